"""The search index: tokens in the tip's search columns, indexed by the
database (SQLite FTS5 with triggers, PostgreSQL GIN), and the default synonyms.

See qa/search/index.py. This migration recomputes the search columns of the
existing tips with the tokenizer (they held normalised text before).
"""

from django.db import migrations

DEFAULT_SYNONYMS = [
    "返品, 返却, 返送",
    "返金, 払い戻し, 払戻し",
    "配達, 配送, お届け",
    "送料, 配送料, 配送料金",
    "発送, 出荷",
    "会員登録, 新規登録, アカウント作成",
    "ログイン, サインイン",
    "ログアウト, サインアウト",
    "キャンセル, 取り消し, 取消",
    "領収書, レシート",
    "支払い, 決済",
    "問い合わせ, 問合せ, 連絡",
    "交換, 取り替え",
    "パスワード, 暗証番号",
    "refund, money back, reimbursement",
    "delivery, shipping, shipment",
    "deliver, ship",
    "cancel, cancellation",
    "sign in, log in, login",
    "sign up, register, create an account",
    "receipt, invoice",
    "return, send back",
    "coupon, promo code, discount code",
    "password, passcode",
]


def recompute_search_columns(apps, schema_editor):
    from qa.markup import markdown_to_text
    from qa.search.tokens import document_text

    Tip = apps.get_model("qa", "Tip")
    batch = []
    for tip in Tip.objects.only("id", "title", "question_text", "answer_text").iterator(chunk_size=500):
        tip.search_title = document_text(tip.title)
        tip.search_body = document_text(f"{markdown_to_text(tip.question_text)}\n{markdown_to_text(tip.answer_text)}")
        batch.append(tip)
        if len(batch) >= 500:
            Tip.objects.bulk_update(batch, ["search_title", "search_body"])
            batch = []
    Tip.objects.bulk_update(batch, ["search_title", "search_body"])


def install_index(apps, schema_editor):
    from qa.search.index import index_install

    index_install(schema_editor)


def uninstall_index(apps, schema_editor):
    from qa.search.index import index_uninstall

    index_uninstall(schema_editor)


def seed_synonyms(apps, schema_editor):
    SearchSynonym = apps.get_model("qa", "SearchSynonym")
    if not SearchSynonym.objects.exists():
        SearchSynonym.objects.bulk_create(SearchSynonym(terms=terms) for terms in DEFAULT_SYNONYMS)


class Migration(migrations.Migration):
    dependencies = [("qa", "0007_search_synonyms_and_misses")]

    operations = [
        migrations.RunPython(recompute_search_columns, migrations.RunPython.noop),
        migrations.RunPython(install_index, uninstall_index),
        migrations.RunPython(seed_synonyms, migrations.RunPython.noop),
    ]
