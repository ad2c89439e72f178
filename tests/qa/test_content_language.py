"""Content in the visitor's language: each tip and question has a language
(detected, editable), public lists, feeds, search and the sitemap follow the
visitor's, with "also show tips in other languages"; categories are named in
both languages."""

import importlib
import re
import xml.etree.ElementTree as ET

import pytest
from django.apps import apps
from django.core.cache import cache
from django.urls import reverse

from qa import selectors, services
from qa.content_language import DETECTION_SAMPLE, language_detect
from qa.models import Category, Question, Tip
from qa.phrases import phrase_boundaries
from tests.qa.related import tip_related

pytestmark = pytest.mark.django_db

SITE = "https://help.example.com"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def _titles(response) -> list[str]:
    return re.findall(r'class="tip-card__title"><a href="[^"]+">(.*?)</a>', response.content.decode())


@pytest.fixture
def bilingual(make_tip):
    return {
        "ja": make_tip(title="送料はいくらですか？", answer_text="全国一律550円です。", tags=["送料"]),
        "en": make_tip(title="How much is shipping?", answer_text="A flat ¥550 anywhere in Japan.", tags=["送料"]),
    }


# --- Detection -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("送料はいくらですか？", "ja"),
        ("How much is shipping?", "en"),
        # Product names and URLs put Latin letters in Japanese text.
        ("iPhone の Settings アプリで通知をオンにしてください", "ja"),
        ("Open https://example.com/returns and choose 返品", "en"),
        ("ｶﾀｶﾅ", "ja"),  # half-width katakana
        ("12345 !!", "en"),  # nothing to go by: the site's default
        ("", "en"),
    ],
)
def test_language_detection_counts_scripts(text, language):
    assert language_detect(text) == language


def test_detection_reads_a_bounded_sample_of_long_text():
    # Japanese first, then far more English than the sample: only the sample counts.
    text = "日本語の回答です。" * (DETECTION_SAMPLE // 9 + 1) + "English " * 100_000
    assert language_detect(text) == "ja"


def test_tips_and_questions_get_their_language_on_creation_and_staff_can_change_it(make_tip, customer):
    japanese = make_tip(title="返品の方法", answer_text="マイページから申請してください。")
    english = make_tip(title="How do I return an item?", answer_text="Start a return from My page.")
    assert (japanese.language, english.language) == ("ja", "en")
    question = services.question_create(asker=customer, title="荷物が届きません", body="一週間たちました。")
    assert question.language == "ja"
    # Staff's choice stands, and editing the text keeps it.
    services.tip_update(tip=english, language="ja")
    services.tip_update(tip=english, answer_text="Start a return from My page, within 8 days.")
    english.refresh_from_db()
    assert english.language == "ja"
    # Emptied, it is detected again.
    services.tip_update(tip=english, language="")
    english.refresh_from_db()
    assert english.language == "en"


def test_import_detects_each_rows_language(tmp_path):
    from django.core.management import call_command

    csv_file = tmp_path / "faq.csv"
    csv_file.write_text(
        "question,answer,category,tags\n"
        "送料はいくらですか？,全国一律550円です。,配送,\n"
        "How much is shipping?,A flat fee of 550 yen.,Shipping,\n",
        encoding="utf-8",
    )
    call_command("import_faq", str(csv_file), stdout=open(tmp_path / "out.txt", "w"))
    assert dict(Tip.objects.values_list("title", "language")) == {
        "送料はいくらですか？": "ja",
        "How much is shipping?": "en",
    }


def test_the_data_migration_sets_languages_and_per_language_counts(bilingual, customer, category):
    Tip.objects.update(language="")
    Category.objects.update(published_tip_counts={})
    Question.objects.create(asker=customer, title="荷物が届きません", body="一週間たちました。")
    migration = importlib.import_module("qa.migrations.0016_content_language_and_category_names")
    migration.set_languages_and_counts(apps, None)
    assert dict(Tip.objects.values_list("title", "language")) == {
        "送料はいくらですか？": "ja",
        "How much is shipping?": "en",
    }
    assert Question.objects.get().language == "ja"
    category.refresh_from_db()
    assert category.published_tip_counts == {"ja": 1, "en": 1}


def test_category_counts_are_kept_per_language(make_tip, category):
    returns = Category.objects.create(name="Returns", slug="returns")
    tips = [make_tip(title=f"Shipping {n}") for n in range(2)] + [make_tip(title="送料について")]
    services.tip_update(tip=tips[0], category=returns)
    services.tip_unpublish(tip=tips[1])
    services.tip_update(tip=tips[2], language="en")
    category.refresh_from_db()
    returns.refresh_from_db()
    assert (category.published_tip_count, category.published_tip_counts) == (1, {"en": 1})
    assert (returns.published_tip_count, returns.published_tip_counts) == (1, {"en": 1})


# --- Lists in the visitor's language ------------------------------------------------


def test_public_lists_show_the_visitors_language_with_a_switch_to_every_language(client, bilingual, category):
    tag_url = reverse("qa:tag", kwargs={"slug": "送料"})
    for url in [reverse("qa:home"), reverse("qa:tip_list"), category.get_absolute_url(), tag_url]:
        assert _titles(client.get(url)) == ["How much is shipping?"], url
        assert _titles(client.get(url, HTTP_ACCEPT_LANGUAGE="ja")) == ["送料はいくらですか？"], url
        assert _titles(client.get(url + "?lang=ja")) == ["送料はいくらですか？"], url
        page = client.get(url)
        assert f'href="{url}?all_languages=1"' in page.content.decode(), url
        assert sorted(_titles(client.get(url + "?all_languages=1"))) == [
            "How much is shipping?",
            "送料はいくらですか？",
        ]


def test_a_site_without_tips_in_the_visitors_language_shows_them_all(client, make_tip):
    make_tip(title="送料はいくらですか？", answer_text="全国一律550円です。")
    html = client.get(reverse("qa:home")).content.decode()
    assert "送料はいくらですか？" in html
    assert "There are no tips in English yet: showing tips in every language." in html


def test_the_page_cache_keeps_each_language_choice_apart(client, bilingual):
    url = reverse("qa:tip_list")
    assert _titles(client.get(url)) == ["How much is shipping?"]
    assert len(_titles(client.get(url + "?all_languages=1"))) == 2
    assert _titles(client.get(url + "?lang=ja")) == ["送料はいくらですか？"]
    # Served from the cache now: the same three answers.
    assert _titles(client.get(url)) == ["How much is shipping?"]
    assert len(_titles(client.get(url + "?all_languages=1&utm_source=x"))) == 2
    assert _titles(client.get(url, HTTP_ACCEPT_LANGUAGE="ja")) == ["送料はいくらですか？"]


def test_list_pages_name_their_language_versions_with_hreflang(client, bilingual, category):
    for path in [reverse("qa:home"), reverse("qa:tip_list"), category.get_absolute_url()]:
        html = client.get(path, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
        assert f'<link rel="canonical" href="{SITE}{path}?lang=ja">' in html
        assert f'<link rel="alternate" hreflang="en" href="{SITE}{path}?lang=en">' in html
        assert f'<link rel="alternate" hreflang="ja" href="{SITE}{path}?lang=ja">' in html
        assert f'<link rel="alternate" hreflang="x-default" href="{SITE}{path}">' in html
        assert 'name="robots" content="noindex' not in html
    # Every language at once is not a version of its own.
    assert 'content="noindex, follow"' in client.get(reverse("qa:tip_list") + "?all_languages=1").content.decode()


def test_tracking_tags_never_reach_a_cached_pages_links(client, bilingual):
    html = client.get(reverse("qa:home") + "?utm_source=x&fbclid=abc").content.decode()
    assert "utm_source" not in html and "fbclid" not in html


def test_the_lang_parameter_changes_only_that_response(client, bilingual):
    assert client.get(reverse("qa:home") + "?lang=ja").content.decode().count('<html lang="ja">') == 1
    assert '<html lang="en">' in client.get(reverse("qa:home")).content.decode()
    assert "django_language" not in client.cookies
    assert '<html lang="en">' in client.get(reverse("qa:home") + "?lang=xx").content.decode()


def test_search_prefers_the_visitors_language_and_falls_back_to_every_language(client, bilingual):
    english = client.get(reverse("qa:search"), {"q": "550"})
    assert _titles(english) == ["How much is shipping?"]
    assert "Also show tips in other languages" in english.content.decode()
    assert len(_titles(client.get(reverse("qa:search"), {"q": "550", "all_languages": "1"}))) == 2
    # Nothing in English matches "送料": the Japanese tip, and the page says why.
    fallback = client.get(reverse("qa:search"), {"q": "全国一律"})
    assert _titles(fallback) == ["送料はいくらですか？"]
    assert "No tip in English matches: showing matches in every language." in fallback.content.decode()


def test_feeds_are_per_language(client, bilingual, category):
    def titles(url, **headers):
        channel = ET.fromstring(client.get(url, **headers).content).find("channel")
        return [item.findtext("title") for item in channel.findall("item")], channel.findtext("link")

    feed = reverse("qa:feed_rss")
    assert titles(feed) == (["How much is shipping?"], f"{SITE}/tips/?lang=en")
    assert titles(feed + "?lang=ja") == (["送料はいくらですか？"], f"{SITE}/tips/?lang=ja")
    category_feed = reverse("qa:category_feed_rss", kwargs={"slug": category.slug})
    assert titles(category_feed, HTTP_ACCEPT_LANGUAGE="ja")[0] == ["送料はいくらですか？"]
    home = client.get(reverse("qa:home") + "?lang=ja").content.decode()
    assert f'href="{SITE}{feed}?lang=ja"' in home


def test_the_sitemap_lists_each_language_version_and_the_tags_in_use(client, bilingual, category, make_tip):
    make_tip(title="Draft", tags=["下書きだけ"], publish=False)
    response = client.get(reverse("qa:sitemap_section", kwargs={"section": "tags"}))
    assert response.status_code == 200
    urls = ET.fromstring(response.content).findall(f"{SITEMAP}url")
    tag_path = "/tags/%E9%80%81%E6%96%99/"
    assert [url.findtext(f"{SITEMAP}loc") for url in urls] == [f"{SITE}{tag_path}?lang=en", f"{SITE}{tag_path}?lang=ja"]
    alternates = {link.get("hreflang"): link.get("href") for link in urls[0].findall(f"{XHTML}link")}
    assert alternates == {"en": f"{SITE}{tag_path}?lang=en", "ja": f"{SITE}{tag_path}?lang=ja"}
    index = client.get(reverse("qa:sitemap")).content.decode()
    assert f"{SITE}/sitemap-tags.xml" in index


# --- Tag pages, tags as links, category names, excerpts ----------------------------


def test_tags_link_to_a_paginated_tag_page(client, make_tip, settings):
    settings.TIPS_PER_PAGE = 2
    tips = [make_tip(title=f"Shipping tip {n}", tags=["shipping"]) for n in range(3)]
    make_tip(title="Other", tags=["returns"])
    tag_url = reverse("qa:tag", kwargs={"slug": "shipping"})
    assert f'href="{tag_url}"' in client.get(tips[0].get_absolute_url()).content.decode()
    assert f'href="{tag_url}"' in client.get(reverse("qa:tip_list")).content.decode()
    first, second = client.get(tag_url), client.get(tag_url + "?page=2")
    assert _titles(first) == ["Shipping tip 2", "Shipping tip 1"] and _titles(second) == ["Shipping tip 0"]
    assert "Tips tagged “shipping”" in first.content.decode()
    assert client.get(reverse("qa:tag", kwargs={"slug": "no-such-tag"})).status_code == 404


def test_a_tag_page_is_cached_and_refreshed_when_a_tip_changes(client, make_tip):
    tip = make_tip(title="Shipping tip", tags=["shipping"])
    tag_url = reverse("qa:tag", kwargs={"slug": "shipping"})
    assert client.get(tag_url)["Cache-Control"].startswith("public")
    services.tip_update(tip=tip, title="Shipping, renamed")
    assert _titles(client.get(tag_url)) == ["Shipping, renamed"]


def test_categories_are_named_in_the_visitors_language(client, make_tip, category):
    category.name_ja = "配送"
    category.save()
    make_tip(title="How much is shipping?")
    english = client.get(reverse("qa:home")).content.decode()
    japanese = client.get(reverse("qa:home"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert ">Shipping</a>" in english and ">配送</a>" not in english
    assert ">配送</a>" in japanese and ">Shipping</a>" not in japanese
    # A Japanese name finds the category it translates, in imports too.
    assert services.category_get_or_create(name="配送") == category


def test_the_home_page_is_a_help_centre(client, make_tip, category, django_assert_max_num_queries):
    tips = [make_tip(title=f"Shipping tip {n}", answer_text="Free over ¥5,000.") for n in range(12)]
    services.tip_vote(tip=tips[3], voter_key="a", helpful=True)
    services.tip_vote(tip=tips[3], voter_key="b", helpful=True)
    services.tip_vote(tip=tips[5], voter_key="a", helpful=True)
    cache.clear()
    with django_assert_max_num_queries(10):
        html = client.get(reverse("qa:home")).content.decode()
    search, popular = html.index('role="search"'), html.index('id="popular-heading"')
    categories, latest = html.index('id="categories-heading"'), html.index('id="latest-heading"')
    assert search < popular < categories < latest
    popular_list = html[popular : html.index("</ol>", popular)]
    assert popular_list.index("Shipping tip 3") < popular_list.index("Shipping tip 5")
    assert "Shipping tip 0" not in popular_list  # no votes: not "popular"
    assert re.search(r'category-card__count">\s*12 tips\s*<', html)


def test_the_home_pages_lists_in_japanese_and_in_every_language(client, make_tip, category):
    tips = [make_tip(title=f"送料について{n}", answer_text="全国一律550円です。") for n in range(3)]
    make_tip(title="Shipping costs", answer_text="Free over ¥5,000.")
    services.tip_vote(tip=tips[1], voter_key="a", helpful=True)
    services.tip_vote(tip=tips[1], voter_key="b", helpful=True)
    cache.clear()
    html = client.get(reverse("qa:home") + "?lang=ja").content.decode()
    assert re.search(
        r'lang="ja">送料について1</a>\s*<span class="muted tip-links__count">2人が役に立ったと回答</span>', html
    )
    assert re.search(rf'href="{category.get_absolute_url()}">[^<]+</a>\s*<span[^>]*>3件のTips</span>', html)
    assert '<h2 id="latest-heading">新着Tips</h2>' in html and "すべてのTipsを見る →</a>" in html
    every = client.get(reverse("qa:home") + "?lang=ja&all_languages=1").content.decode()
    # The category link keeps "every language"; the count is every language's.
    assert re.search(
        rf'href="{category.get_absolute_url()}\?all_languages=1">[^<]+</a>\s*<span[^>]*>4件のTips</span>', every
    )


def test_excerpts_on_cards_end_at_a_phrase_or_word_boundary(client, make_tip):
    answer = "ご注文から2〜4営業日でお届けします。発送時にお送りするメールに追跡番号が記載されています。" * 6
    tip = make_tip(title="いつ届きますか？", answer_text=answer)
    english = make_tip(title="When will it arrive?", answer_text="Notification settings let you choose. " * 10)
    html = client.get(reverse("qa:tip_list") + "?all_languages=1").content.decode()
    for item in (tip, english):
        item.refresh_from_db()
        assert item.excerpt in html
        shown = item.excerpt.removesuffix("…")
        assert len(shown) < len(item.answer_plain)
        assert len(shown) in phrase_boundaries(item.answer_plain), shown[-10:]


def test_selectors_without_a_language_read_every_language(bilingual):
    assert selectors.tip_count_published() == 2
    assert selectors.tip_count_published(language="ja") == 1
    assert selectors.tip_language_shown(visitor_language="ja", all_languages=False) == "ja"
    assert selectors.tip_language_shown(visitor_language="ja", all_languages=True) is None


def test_related_tips_are_in_the_tips_language(client, make_tip):
    tip = make_tip(title="送料はいくらですか？", answer_text="全国一律550円です。", tags=["送料"])
    same_language = make_tip(title="送料無料の条件", answer_text="5,000円以上で無料です。", tags=["送料"])
    make_tip(title="Is shipping free?", answer_text="Over ¥5,000.", tags=["送料"])  # same tag and category
    make_tip(title="How do I track my parcel?")  # same category
    assert [related.pk for related in tip_related(tip=tip)] == [same_language.pk]
