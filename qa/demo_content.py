"""The demo content `make run` starts with (`manage.py seed_demo`).

A fictional online shop, "Tipcast Store", with its FAQ in Japanese and
English, a customer and a staff account, two customer questions and a few
saved replies. Loading it twice changes nothing: tips are imported like an FAQ
file (the question identifies the tip), and everything else is looked up by a
natural key before it is created.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from qa import services
from qa.models import Question, SavedReply

# Well-known demo passwords, printed by seed_demo and `make run`. Demo only.
STAFF_EMAIL = "staff@example.com"
STAFF_PASSWORD = "tipcast-staff"
CUSTOMER_EMAIL = "customer@example.com"
CUSTOMER_PASSWORD = "tipcast-customer"

# (category name in either language, question, answer in Markdown, tags)
TIPS = [
    (
        "配送・送料",
        "送料はいくらですか？",
        "全国一律**550円（税込）**です。\n\n1回のご注文が**5,000円以上**の場合、送料は無料になります。"
        "沖縄・離島への配送も同じ料金です。",
        ["送料", "配送"],
    ),
    (
        "配送・送料",
        "注文した商品はいつ届きますか？",
        "ご注文から**2〜4営業日**でお届けします。発送時にお送りする「発送のお知らせ」メールに"
        "追跡番号が記載されています。\n\n年末年始やセール期間中は、お届けまでに数日多くかかることがあります。",
        ["配送", "追跡"],
    ),
    (
        "配送・送料",
        "配達日時を指定できますか？",
        "はい。ご注文手続きの「お届け日時」で、3日後から14日後までの日付と、次の時間帯を指定できます。\n\n"
        "- 午前中\n- 14〜16時\n- 16〜18時\n- 18〜21時",
        ["配送", "日時指定"],
    ),
    (
        "返品・交換",
        "返品はできますか？",
        "商品到着後**8日以内**であれば、未使用品に限り返品を承ります。"
        "マイページの「注文履歴」から返品を申請してください。\n\n"
        "お客様のご都合による返品の場合、返送料はお客様のご負担となります。",
        ["返品"],
    ),
    (
        "返品・交換",
        "届いた商品が破損していました。交換できますか？",
        "大変申し訳ございません。商品到着後8日以内に、破損部分の写真を添えてお問い合わせください。"
        "新しい商品を**送料無料**でお送りし、破損品の返品もこちらの負担で承ります。",
        ["返品", "交換", "不良品"],
    ),
    (
        "会員・アカウント",
        "会員登録は無料ですか？",
        "はい、会員登録は**無料**です。会員になると、注文履歴の確認、ポイントの利用、お届け先の保存ができます。",
        ["会員", "ポイント"],
    ),
    (
        "会員・アカウント",
        "パスワードを忘れました。",
        "ログイン画面の「パスワードをお忘れの方」から、登録済みのメールアドレスを入力してください。"
        "パスワード再設定用のリンクをメールでお送りします。\n\n"
        "メールが届かない場合は、迷惑メールフォルダもご確認ください。",
        ["パスワード", "ログイン", "会員"],
    ),
    (
        "会員・アカウント",
        "退会するにはどうすればいいですか？",
        "マイページの「会員情報」→「退会手続き」から退会できます。退会すると、保有ポイントと注文履歴は"
        "確認できなくなりますのでご注意ください。",
        ["会員", "退会"],
    ),
    (
        "アプリ・設定",
        "iPhone で通知が届きません。どう設定すればいいですか？",
        "iPhone の**設定**アプリ →「通知」→「Tipcast Store」を開き、「通知を許可」をオンにしてください。\n\n"
        "アプリ内の「マイページ」→「通知設定」で、受け取る通知の種類も選べます。",
        ["iPhone", "設定", "通知", "アプリ"],
    ),
    (
        "アプリ・設定",
        "Android でアプリが起動しません。",
        "最新版のアプリを Google Play からインストールし直してください。"
        "それでも起動しない場合は、端末の「設定」→「アプリ」→「Tipcast Store」→「ストレージ」で"
        "キャッシュを削除してからお試しください。",
        ["Android", "設定", "アプリ"],
    ),
    (
        "Shipping",
        "How much is shipping?",
        "Shipping is a flat **¥550** anywhere in Japan, and **free** on orders of ¥5,000 or more.\n\n"
        "We currently ship within Japan only.",
        ["shipping"],
    ),
    (
        "Shipping",
        "How do I track my parcel?",
        "Open the *Your order has shipped* e-mail and follow the tracking link, or go to "
        "**My page → Order history** and choose the order.",
        ["shipping", "tracking"],
    ),
    (
        "Shipping",
        "Can I choose a delivery date and time?",
        "Yes. At checkout, under **Delivery date and time**, pick a day from 3 to 14 days ahead and one of "
        "these time slots:\n\n- Morning\n- 14:00–16:00\n- 16:00–18:00\n- 18:00–21:00",
        ["shipping", "delivery date"],
    ),
    (
        "Returns",
        "How do I return an item?",
        "You can return unused items within **8 days** of delivery. Start a return from "
        "**My page → Order history**; we e-mail you a prepaid label when the item was faulty.",
        ["returns"],
    ),
    (
        "Returns",
        "My item arrived damaged. Can I get a replacement?",
        "We are sorry! Within 8 days of delivery, send us a photo of the damage through **Ask a question**. "
        "We send a new item with **free shipping** and collect the damaged one at our cost.",
        ["returns", "replacement"],
    ),
    (
        "Account",
        "Is membership free?",
        "Yes, membership is **free**. Members can see their order history, use points and save delivery addresses.",
        ["account", "points"],
    ),
    (
        "Account",
        "I forgot my password. How do I reset it?",
        "Choose **Forgot your password?** on the sign-in page and enter your e-mail address. "
        "We send you a link to set a new password; it works for 24 hours.",
        ["password", "account"],
    ),
    (
        "App and settings",
        "How do I set up notifications on my iPhone?",
        "On your iPhone open **Settings → Notifications → Tipcast Store** and turn on *Allow Notifications*. "
        "In the app, **My page → Notification settings** lets you choose which notices you get.",
        ["iPhone", "settings", "notifications"],
    ),
    (
        "App and settings",
        "The app does not start on Android.",
        "Reinstall the latest version from Google Play. If it still does not start, open the phone's "
        "**Settings → Apps → Tipcast Store → Storage** and clear the cache, then try again.",
        ["Android", "settings", "app"],
    ),
]

# (name, Japanese name): one category per topic, named in both languages, so
# that "Account" and "会員・アカウント" are one category, not two side by side.
CATEGORIES = [
    ("Shipping", "配送・送料"),
    ("Returns", "返品・交換"),
    ("Account", "会員・アカウント"),
    ("App and settings", "アプリ・設定"),
]

SAVED_REPLIES = [
    (
        "お詫びと確認（日本語）",
        "Tipcast Store サポートの担当です。ご不便をおかけして申し訳ございません。\n\n"
        "確認のうえ、あらためてご連絡いたします。",
    ),
    (
        "個人情報を含むご相談（日本語）",
        "ご注文内容や個人情報を含むご相談のため、この回答はお客様だけに表示しています。"
        "引き続きこちらのページからご返信ください。",
    ),
    (
        "Thanks and follow-up (English)",
        "This is the Tipcast Store support team. Thank you for your question!\n\n"
        "We are looking into it and will get back to you here shortly.",
    ),
]

# (title, body, category name, staff answer or None, answer is public)
QUESTIONS = [
    (
        "ポイントの有効期限はありますか？",
        "先月の買い物でポイントがたまりました。いつまで使えますか？",
        "会員・アカウント",
        "ポイントの有効期限は、最後にポイントを獲得した日から**1年間**です。"
        "期限はマイページの「ポイント履歴」で確認できます。",
        True,
    ),
    (
        "ギフト包装はできますか？",
        "友人への誕生日プレゼントなので、包装してもらえると助かります。",
        "配送・送料",
        None,
        False,
    ),
]


@dataclass
class DemoSummary:
    tips_created: int = 0
    questions_created: int = 0
    saved_replies_created: int = 0


def _demo_user(*, email: str, password: str, is_staff: bool):
    """A demo account with a verified primary e-mail address, so that it can
    sign in at once (ACCOUNT_EMAIL_VERIFICATION is mandatory)."""
    from allauth.account.models import EmailAddress

    user_model = get_user_model()
    user = user_model.objects.filter(email__iexact=email).first()
    if user is None:
        user = user_model.objects.create_user(
            username=email.split("@")[0], email=email, password=password, is_staff=is_staff, is_superuser=is_staff
        )
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


@transaction.atomic
def demo_content_load() -> DemoSummary:
    summary = DemoSummary()
    staff = _demo_user(email=STAFF_EMAIL, password=STAFF_PASSWORD, is_staff=True)
    customer = _demo_user(email=CUSTOMER_EMAIL, password=CUSTOMER_PASSWORD, is_staff=False)

    for name, name_ja in CATEGORIES:
        services.category_translate(category=services.category_get_or_create(name=name), name_ja=name_ja)

    for category_name, question, answer, tags in TIPS:
        _tip, outcome = services.tip_import_row(
            question=question, answer=answer, category_name=category_name, tags=tags, announce=False
        )
        summary.tips_created += outcome == "created"

    for title, body, category_name, answer, answer_is_public in QUESTIONS:
        if Question.objects.filter(asker=customer, title=title).exists():
            continue
        category = services.category_get_or_create(name=category_name)
        question = services.question_create(asker=customer, title=title, body=body, category=category)
        if answer:
            services.question_answer(question=question, author=staff, body=answer, is_public=answer_is_public)
        summary.questions_created += 1

    for order, (title, body) in enumerate(SAVED_REPLIES):
        if not SavedReply.objects.filter(title=title).exists():
            services.saved_reply_create(title=title, body=body, order=order)
            summary.saved_replies_created += 1
    return summary
