"""Search through the page: Japanese short words, width and case folding, ranking, highlighting."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from qa import selectors
from qa.phrases import phrase_boundaries

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    html = response.content.decode()
    return [
        re.sub(r"</?mark>", "", title)
        for title in re.findall(r'class="tip-card__title"><a href="[^"]+">(.*?)</a>', html)
    ]


@pytest.fixture
def japanese_tips(make_tip):
    return {
        "returns": make_tip(title="返品の方法", answer_text="商品到着から30日以内なら返品できます。"),
        "shipping": make_tip(title="送料について", answer_text="送料は全国一律500円です。"),
        "member": make_tip(title="会員登録のメリット", answer_text="会員はポイントが貯まります。"),
        "iphone": make_tip(title="iPhoneアプリの設定", answer_text="アプリの設定画面から通知をオンにします。"),
        "kana": make_tip(title="ﾍﾙﾌﾟｾﾝﾀｰの営業時間", answer_text="平日10時から18時まで。"),
        "english": make_tip(title="Reset your PASSWORD", answer_text="Use the Forgot password link."),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("返品", ["返品の方法"]),
        ("送料", ["送料について"]),
        ("会員", ["会員登録のメリット"]),
        ("券", []),
        ("iPhone 設定", ["iPhoneアプリの設定"]),
        ("ｉＰｈｏｎｅ　設定", ["iPhoneアプリの設定"]),  # full-width Latin and an ideographic space
        ("IPHONE", ["iPhoneアプリの設定"]),
        ("ヘルプ", ["ﾍﾙﾌﾟｾﾝﾀｰの営業時間"]),  # half-width kana in the tip matches, shown as written
        ("password", ["Reset your PASSWORD"]),
        ("Password", ["Reset your PASSWORD"]),
    ],
)
def test_search_finds_japanese_short_words_widths_and_case(client, japanese_tips, query, expected):
    response = client.get(reverse("qa:search"), {"q": query})
    assert response.status_code == 200
    assert _titles(response) == expected


def test_single_character_japanese_query(client, japanese_tips):
    titles = _titles(client.get(reverse("qa:search"), {"q": "品"}))
    assert titles == ["返品の方法"]


def test_a_single_kana_finds_the_titles_that_have_it(client, make_tip):
    """A kana alone is indexed in titles only: a one-kana query finds those
    tips rather than nothing, and a kana in a body alone is no match."""
    make_tip(title="ギフト包装について", answer_text="ラッピングは無料です。")
    make_tip(title="送料について", answer_text="ギフトの場合も同じです。")
    assert _titles(client.get(reverse("qa:search"), {"q": "ト"})) == ["ギフト包装について"]
    assert _titles(client.get(reverse("qa:search"), {"q": "ﾄ"})) == ["ギフト包装について"]  # half-width
    assert _titles(client.get(reverse("qa:search"), {"q": "ラ"})) == []


def test_results_are_ranked_title_matches_first(client, make_tip):
    # The title match is the older tip, so only ranking can put it first.
    make_tip(title="返品について", answer_text="詳しくはお問い合わせください。")
    make_tip(title="お届け日数", answer_text="返品の場合は別途ご連絡ください。")
    titles = _titles(client.get(reverse("qa:search"), {"q": "返品"}))
    assert titles == ["返品について", "お届け日数"]


def test_matches_are_highlighted_and_escaped(client, make_tip):
    make_tip(title="<b>送料</b>の目安", answer_text="送料は地域によって異なります。")
    html = client.get(reverse("qa:search"), {"q": "送料"}).content.decode()
    assert "&lt;b&gt;<mark>送料</mark>&lt;/b&gt;の目安" in html
    assert "<mark>送料</mark>は地域によって" in html
    assert "1 tip found" in html


def test_highlight_keeps_original_full_width_characters(client, make_tip):
    make_tip(title="ＰＯＩＮＴの使い方", answer_text="使えます。")
    html = client.get(reverse("qa:search"), {"q": "point"}).content.decode()
    assert "<mark>ＰＯＩＮＴ</mark>の使い方" in html


def test_drafts_are_never_found(client, make_tip):
    make_tip(title="返品の下書き", publish=False)
    assert _titles(client.get(reverse("qa:search"), {"q": "返品"})) == []


def test_empty_query_shows_a_hint_and_no_results_shows_a_way_forward(client, japanese_tips):
    empty = client.get(reverse("qa:search")).content.decode()
    assert "Type a word or two" in empty and "tip-card" not in empty
    none_found = client.get(reverse("qa:search"), {"q": "存在しない言葉"}).content.decode()
    assert "No tips found for “存在しない言葉”" in none_found
    assert reverse("qa:ask") in none_found


def test_query_is_escaped_in_the_page(client):
    html = client.get(reverse("qa:search"), {"q": "<script>x</script>"}).content.decode()
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_search_results_are_paginated_and_keep_the_query(client, make_tip):
    for number in range(5):
        make_tip(title=f"送料 {number}")
    with override_settings(TIPS_PER_PAGE=2):
        first = client.get(reverse("qa:search"), {"q": "送料"}).content.decode()
        second = client.get(reverse("qa:search"), {"q": "送料", "page": 2})
    assert "5 tips found" in first
    assert "?q=%E9%80%81%E6%96%99&amp;page=2" in first
    assert len(_titles(second)) == 2


def test_tip_search_selector_is_the_same_ranking_as_the_page(japanese_tips):
    assert [tip.title for tip in selectors.tip_search(query="設定")] == ["iPhoneアプリの設定"]


def _excerpt(html: str) -> str:
    return re.search(r'<p[^>]* class="tip-card__excerpt">(.*?)</p>', html, re.S).group(1)


def test_excerpt_starts_and_ends_at_a_phrase_boundary_with_the_match_marked(client, make_tip):
    answer = (
        "ご注文ありがとうございます。お届けした商品に不具合があった場合は、到着から七日以内にご連絡ください。"
        "商品到着から30日以内であれば、マイページの注文履歴から返品を申し込めます。未使用品に限ります。"
        "送料はお客様のご負担となります。詳しくはお問い合わせ窓口までお電話ください。" * 2
    )
    make_tip(title="お買い物ガイド", answer_text=answer)
    excerpt = _excerpt(client.get(reverse("qa:search"), {"q": "返品"}).content.decode())
    assert "<mark>返品</mark>" in excerpt
    assert excerpt.startswith("…") and excerpt.endswith("…")
    plain = re.sub(r"</?mark>", "", excerpt).strip("…")
    # The excerpt begins where a BudouX phrase begins and ends where one ends.
    start = answer.find(plain)
    assert start > 0
    boundaries = phrase_boundaries(answer)
    assert start in boundaries and start + len(plain) in boundaries


def test_excerpt_of_english_text_never_cuts_a_word_and_marks_every_form(client, make_tip):
    answer = (
        "Thank you for shopping with us. Most parcels arrive within three days, and every order is packed by hand "
        "in our warehouse before it is handed to the carrier. Shipping is free on orders over fifty dollars; "
        "items shipped abroad take longer, and the carrier's tracking page shows where your parcel is."
    )
    make_tip(title="About delivery", answer_text=answer)
    excerpt = _excerpt(client.get(reverse("qa:search"), {"q": "shipping"}).content.decode())
    assert "<mark>Shipping</mark>" in excerpt and "<mark>shipped</mark>" in excerpt
    plain = re.sub(r"</?mark>", "", excerpt).strip("…").replace("&#x27;", "'")
    start = answer.find(plain)
    assert start > 0 and answer[start - 1] == " "  # begins with a whole word
    assert answer[start + len(plain)] == " "  # ends with a whole word


def test_whole_sentences_inflections_and_compounds_find_the_tip(client, make_tip):
    make_tip(title="商品が届きません", answer_text="追跡番号で配送状況をご確認ください。")
    make_tip(title="会員登録の方法", answer_text="トップページから登録できます。")
    make_tip(title="When will I get my refund?", answer_text="Refunds are issued within 5 business days.")
    assert (
        _titles(client.get(reverse("qa:search"), {"q": "注文した商品がまだ届かないのですが"}))[0] == "商品が届きません"
    )
    assert _titles(client.get(reverse("qa:search"), {"q": "会員の登録"}))[0] == "会員登録の方法"
    assert _titles(client.get(reverse("qa:search"), {"q": "refund status"}))[0] == "When will I get my refund?"


def test_rare_words_and_titles_weigh_more_than_common_ones(make_tip):
    for number in range(6):
        make_tip(title=f"注文について {number}", answer_text="ご注文の確認メールをお送りします。")
    make_tip(title="ギフト包装", answer_text="ご注文時にギフト包装を選べます。")
    # 注文 is everywhere, 包装 in one tip: the tip with the rare word comes first.
    assert [tip.title for tip in selectors.tip_search(query="注文 包装")][0] == "ギフト包装"
