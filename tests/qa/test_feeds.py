"""RSS/Atom feeds and sitemap.xml: absolute links from SITE_URL, published tips only."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.test import override_settings
from django.urls import reverse

from qa import services
from qa.models import Category

pytestmark = pytest.mark.django_db

SITE = "https://help.example.com"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def test_rss_feed_lists_published_tips_with_absolute_links(client, make_tip):
    tip = make_tip(title="送料はいくら？", answer_text="**500円**です。", tags=["送料"])
    make_tip(title="Draft", publish=False)
    response = client.get(reverse("qa:feed_rss"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    # The feed is in the request's language (the visitor's, or ?lang=), and says so in its links.
    assert channel.findtext("link") == SITE + reverse("qa:tip_list") + "?lang=en"
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["送料はいくら？"]
    assert items[0].findtext("link") == SITE + tip.get_absolute_url()
    assert items[0].findtext("guid") == SITE + tip.get_absolute_url()
    assert "<strong>500円</strong>" in items[0].findtext("description")
    assert {c.text for c in items[0].findall("category")} == {"Shipping", "送料"}
    assert items[0].findtext("pubDate")


def test_atom_feed_has_absolute_self_and_entry_links(client, make_tip):
    tip = make_tip(title="Returns")
    root = ET.fromstring(client.get(reverse("qa:feed_atom")).content)
    assert root.tag == f"{ATOM}feed"
    self_link = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"][0]
    assert self_link.get("href") == SITE + reverse("qa:feed_atom") + "?lang=en"
    entry = root.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}link").get("href") == SITE + tip.get_absolute_url()
    assert entry.findtext(f"{ATOM}updated")


def test_category_feeds_only_have_that_category(client, make_tip, category):
    returns = Category.objects.create(name="返品", slug="返品")
    make_tip(title="Shipping tip")
    make_tip(title="返品の手順", category=returns)
    rss = ET.fromstring(client.get(reverse("qa:category_feed_rss", kwargs={"slug": "返品"})).content)
    assert [item.findtext("title") for item in rss.find("channel").findall("item")] == ["返品の手順"]
    assert rss.find("channel").findtext("link") == SITE + returns.get_absolute_url() + "?lang=en"
    atom = ET.fromstring(client.get(reverse("qa:category_feed_atom", kwargs={"slug": category.slug})).content)
    assert [entry.findtext(f"{ATOM}title") for entry in atom.findall(f"{ATOM}entry")] == ["Shipping tip"]
    assert client.get(reverse("qa:category_feed_rss", kwargs={"slug": "missing"})).status_code == 404


def test_sitemap_uses_site_url_not_the_sites_framework(client, make_tip, category):
    tip = make_tip(title="配送について")
    english = make_tip(title="Shipping costs")
    draft = make_tip(title="Draft", publish=False)
    Category.objects.create(name="Empty", slug="empty")
    locations = _sitemap_locations(client)
    # Canonical addresses: a Japanese tip's is its id alone.
    assert SITE + f"/tips/{tip.pk}/" in locations
    assert SITE + f"/tips/{english.pk}/shipping-costs/" in locations
    assert SITE + draft.get_absolute_url() not in locations
    # Lists exist in every UI language: one address each (?lang=), hreflang alternates of each other.
    for language in ("en", "ja"):
        assert f"{SITE}{category.get_absolute_url()}?lang={language}" in locations
        assert f"{SITE}/?lang={language}" in locations and f"{SITE}/tips/?lang={language}" in locations
    assert not any("/categories/empty/" in location for location in locations)
    assert all(loc.startswith(SITE + "/") for loc in locations)


def _sitemap_locations(client, site=SITE) -> list[str]:
    """Every page URL the sitemap lists: the index, then each file it names."""
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    assert "example.com/" not in index.content.decode().replace("help.example.com", "")
    locations = []
    for file_url in [loc.text for loc in ET.fromstring(index.content).iter(f"{SITEMAP}loc")]:
        assert file_url.startswith(site + "/sitemap-")
        response = client.get(file_url.removeprefix(site))
        assert response.status_code == 200
        locations += [loc.text for loc in ET.fromstring(response.content).iter(f"{SITEMAP}loc")]
    return locations


def test_sitemap_sections_hold_at_most_the_section_size_and_load_few_columns(client, make_tip, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.SITEMAP_SECTION_SIZE = 3
    tips = [make_tip(title=f"送料 {n}" if n % 2 else f"Shipping {n}", answer_text="長い回答" * 100) for n in range(7)]
    # A run of ids with no published tip: its file is left out of the index.
    for tip in tips[1:5]:
        services.tip_unpublish(tip=tip)
    index = ET.fromstring(client.get("/sitemap.xml").content)
    files = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    tip_files = [url for url in files if "/sitemap-tips.xml" in url]
    # File p lists the tips with ids in ((p - 1) * 3, p * 3]: no OFFSET, and stable as tips are added.
    wanted_pages = sorted({1} | {(tip.pk - 1) // 3 + 1 for tip in (tips[0], tips[5], tips[6])})
    assert tip_files == [SITE + "/sitemap-tips.xml" + (f"?p={page}" if page > 1 else "") for page in wanted_pages]
    seen = []
    for url in tip_files:
        with CaptureQueriesContext(connection) as context:
            response = client.get(url.removeprefix(SITE))
        assert response.status_code == 200
        urls = [loc.text for loc in ET.fromstring(response.content).iter(f"{SITEMAP}loc")]
        assert len(urls) <= 3
        seen += urls
        tip_queries = [q["sql"] for q in context.captured_queries if 'FROM "qa_tip"' in q["sql"]]
        assert tip_queries and not any("answer_text" in sql or "search_body" in sql for sql in tip_queries)
        assert not any("OFFSET" in sql for sql in tip_queries)
    # Oldest first: a file keeps its URLs as new tips are published.
    assert seen == [SITE + tip.get_absolute_url() for tip in (tips[0], tips[5], tips[6])]
    past_the_end = (tips[6].pk - 1) // 3 + 2
    assert client.get(f"/sitemap-tips.xml?p={past_the_end}").status_code == 404
    assert client.get("/sitemap-tips.xml?p=0").status_code == 404
    assert client.get("/sitemap-tips.xml?p=" + "9" * 30).status_code == 404


@override_settings(SITE_URL="http://localhost:8000")
def test_sitemap_follows_site_url_scheme(client, make_tip):
    make_tip()
    locations = _sitemap_locations(client, site="http://localhost:8000")
    assert locations and all(loc.startswith("http://localhost:8000/") for loc in locations)


def _canonical_xml(content: bytes) -> list:
    """A sitemap's URLs as (loc, changefreq, priority, alternates), whatever the whitespace."""
    xhtml = "{http://www.w3.org/1999/xhtml}"
    return [
        (
            url.findtext(f"{SITEMAP}loc"),
            url.findtext(f"{SITEMAP}lastmod"),
            url.findtext(f"{SITEMAP}changefreq"),
            url.findtext(f"{SITEMAP}priority"),
            [(link.get("rel"), link.get("hreflang"), link.get("href")) for link in url.findall(f"{xhtml}link")],
        )
        for url in ET.fromstring(content).findall(f"{SITEMAP}url")
    ]


def test_the_tags_sitemap_says_what_djangos_sitemap_view_said(client, make_tip, settings, rf):
    """The tags' files are written without the template engine (1.7 s at 2,000
    tags through Django's view): the same URLs, alternates and values as
    django.contrib.sitemaps' view gives for TagSitemap, file by file."""
    from django.contrib.sitemaps.views import sitemap as django_sitemap

    from qa.sitemaps import TagSitemap

    make_tip(title="送料", tags=["送料", "配送 & 返品", "a/b?c"])
    make_tip(title="Draft", tags=["下書きだけ"], publish=False)
    make_tip(title="Returns", tags=["returns", "送料"])
    settings.SITEMAP_SECTION_SIZE = 4  # two tags a file, one URL per language each
    index = client.get("/sitemap.xml").content.decode()
    pages = sorted({int(p) for p in re.findall(r"sitemap-tags\.xml\?p=(\d+)", index)} | {1})
    assert len(pages) >= 2
    seen = []
    for page in pages:
        ours = client.get(f"/sitemap-tags.xml?p={page}")
        assert ours.status_code == 200 and ours["Content-Type"] == "application/xml"
        assert ours["X-Robots-Tag"] == "noindex, noodp, noarchive"
        theirs = django_sitemap(rf.get(f"/sitemap-tags.xml?p={page}"), sitemaps={"tags": TagSitemap}, section="tags")
        theirs.render()
        assert _canonical_xml(ours.content) == _canonical_xml(theirs.content)
        seen += [loc for loc, *_ in _canonical_xml(ours.content)]
    assert len(seen) == 4 * 2 and not any("%E4%B8%8B%E6%9B%B8" in loc for loc in seen)  # the draft's tag is not listed
    assert client.get(f"/sitemap-tags.xml?p={pages[-1] + 1}").status_code == 404
    assert client.get("/sitemap-tags.xml?p=x").status_code == 404
