"""Post composition: X's weighted length, grapheme-safe cuts, links and hashtags."""

import pytest
import regex
from twitter_text import parse_tweet

from publishing import compose
from publishing.channels.base import PublishError
from publishing.channels.registry import get_channel

FAMILY = "👨‍👩‍👧‍👦"
FLAGS = ["🇯🇵", "🇺🇸", "🇫🇷"]


@pytest.fixture
def x(settings):
    settings.SITE_URL = "https://support.example.com"
    settings.PUBLISHING_X_TEMPLATE = "{title}\n{url}\n{hashtags}"
    return get_channel("x")


def title_of(post):
    return post.text.split("\n")[0]


def weight(text):
    return parse_tweet(text).weightedLength


def test_japanese_title_exactly_at_the_limit_is_kept(x, make_tip):
    # title + "\n" + URL (23) + "\n" + "#返品" (5) = title + 30
    tip = make_tip(title="あ" * 125, tags=["返品"])
    post = x.compose(tip)
    assert title_of(post) == "あ" * 125
    assert post.details == {"weighted_length": 280, "max": 280}
    assert post.text.endswith(f"\n{post.link}\n#返品")


def test_one_over_the_limit_cuts_only_the_title(x, make_tip):
    tip = make_tip(title="あ" * 126, tags=["返品"])
    post = x.compose(tip)
    assert title_of(post) == "あ" * 124 + "…"
    assert post.details["weighted_length"] == weight(post.text) <= 280
    assert post.text.endswith(f"\n{post.link}\n#返品")


def test_long_mixed_title_is_cut_and_the_url_is_intact(x, make_tip):
    tip = make_tip(title="返品・配送のよくある質問 FAQ " * 11, tags=["配送 状況", "FAQ"])
    post = x.compose(tip)
    assert post.details["weighted_length"] <= 280
    assert title_of(post).endswith("…")
    assert post.link in post.text and post.text.endswith("#FAQ #配送状況")
    assert "utm_source=x" in post.link and "utm_medium=social" in post.link and "utm_campaign=tip" in post.link


@pytest.mark.parametrize("site_url", ["http://127.0.0.1:8000", "http://localhost:8000", "https://support.example.com"])
def test_the_tip_link_counts_as_the_23_character_t_co_link_whatever_the_site_url(x, make_tip, settings, site_url):
    # twitter-text does not see http://127.0.0.1:8000/... as a URL and would
    # count it at full length, leaving a Japanese title one character ("届…").
    settings.SITE_URL = site_url
    tip = make_tip(title="あ" * 125, tags=["返品"])
    post = x.compose(tip)
    assert title_of(post) == "あ" * 125
    assert post.details == {"weighted_length": 280, "max": 280}


def test_zwj_emoji_sequences_are_never_split(x, make_tip, settings):
    # 28 families (7 code points each) fill the 200-character title; the
    # template's own text leaves room for 27 weighted-2 graphemes only.
    settings.PUBLISHING_X_TEMPLATE = "{title}\n{url}\n" + "お" * 100
    post = x.compose(make_tip(title=FAMILY * 28))
    kept = title_of(post)[:-1]
    assert title_of(post).endswith("…") and kept
    assert regex.findall(r"\X", kept) == [FAMILY] * 26
    assert post.details["weighted_length"] <= 280


def test_flags_are_never_split(x, make_tip):
    post = x.compose(make_tip(title="".join(FLAGS) * 33 + "🇯"))
    kept = title_of(post)[:-1]
    assert kept and set(regex.findall(r"\X", kept)) <= set(FLAGS)
    assert post.details["weighted_length"] <= 280


def test_text_is_nfc_normalised(x, make_tip):
    post = x.compose(make_tip(title="Cafe\u0301 のメニュー"))
    assert title_of(post) == "Café のメニュー"


def test_hashtags_are_dropped_from_the_end_when_even_an_empty_title_does_not_fit(x, make_tip):
    tags = [f"とても長いタグの名前その{number:02d}" for number in range(20)]
    post = x.compose(make_tip(title="返品の方法", tags=tags))
    assert post.link in post.text
    assert post.details["weighted_length"] <= 280
    hashtags = post.text.split("\n")[-1].split()
    assert 0 < len(hashtags) < len(tags)
    assert hashtags == [f"#{tag}" for tag in sorted(tags)[: len(hashtags)]]


def test_a_template_that_cannot_fit_fails_permanently(x, make_tip, settings):
    settings.PUBLISHING_X_TEMPLATE = "{title} " + "お知らせ" * 50 + " {url}"
    with pytest.raises(PublishError) as caught:
        x.compose(make_tip())
    assert caught.value.permanent


def test_text_override_without_url_gets_the_link_appended(x, make_tip):
    post = x.compose(make_tip(title="Title"), text_override="今日のヒント：返品は30日以内に！")
    assert post.text == f"今日のヒント：返品は30日以内に！\n{post.link}"


def test_text_override_with_placeholders(x, make_tip):
    post = x.compose(make_tip(title="送料", tags=["配送"]), text_override="{title}について👉 {url} {hashtags} {braces}")
    assert post.text == f"送料について👉 {post.link} #配送 {{braces}}"


def test_long_text_override_is_cut_before_the_link(x, make_tip):
    post = x.compose(make_tip(), text_override="長い説明" * 100 + "。詳しくは {url} をご覧ください")
    assert post.details["weighted_length"] <= 280
    head, tail = post.text.split(post.link)
    assert head.endswith("…") and tail == " をご覧ください"


def test_utm_can_be_switched_off(x, make_tip, settings):
    settings.PUBLISHING_UTM_ENABLED = False
    tip = make_tip()
    assert x.compose(tip).link == f"https://support.example.com{tip.get_absolute_url()}"


def test_hashtags_for_tags():
    assert compose.hashtags_for_tags(["customer support", "Q&A", "2024", "配送 状況", "!!", "Q&A"]) == [
        "#customersupport",
        "#QA",
        "#配送状況",
    ]


def test_link_points_to_tip(make_tip, settings):
    settings.SITE_URL = "https://support.example.com"
    tip = make_tip(title="送料")
    assert compose.link_points_to_tip(compose.tip_link(tip, source="x"), tip)
    assert compose.link_points_to_tip(f"https://support.example.com/tips/{tip.pk}/renamed/", tip)
    assert not compose.link_points_to_tip(f"https://support.example.com/tips/{tip.pk}0/", tip)
    assert not compose.link_points_to_tip(f"https://elsewhere.example.com{tip.get_absolute_url()}", tip)
    assert not compose.link_points_to_tip("", tip)


def test_truncate_graphemes():
    assert compose.truncate_graphemes("あいう", 3) == "あいう"
    assert compose.truncate_graphemes("あいうえ", 3) == "あい…"
    assert compose.truncate_graphemes(FAMILY * 3, 2) == FAMILY + "…"
