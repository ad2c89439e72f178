"""The public pages through the test client: home, lists, the tip page and its vote."""

import gzip
import json
import re

import pytest
from django.template.loader import get_template
from django.test import override_settings
from django.urls import reverse

from qa import services
from qa.models import Category, Tip

pytestmark = pytest.mark.django_db


def _json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


def _meta(html: str, key: str) -> str:
    match = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    assert match, f"no meta {key}"
    return match.group(1)


# --- Layout -------------------------------------------------------------------------


def test_home_lists_latest_tips_categories_and_links(client, make_tip, category):
    make_tip(title="送料はいくらですか？", answer_text="全国一律500円です。")
    make_tip(title="Draft tip", publish=False)
    Category.objects.create(name="Empty", slug="empty")
    with override_settings(COMPANY_X_URL="https://x.com/example", COMPANY_FACEBOOK_URL="https://facebook.com/example"):
        response = client.get(reverse("qa:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "送料はいくらですか？" in html
    assert "Draft tip" not in html
    assert f'href="{category.get_absolute_url()}"' in html and "Empty" not in html
    assert 'action="/search/"' in html
    assert reverse("qa:ask") in html
    assert 'href="https://x.com/example"' in html and 'href="https://facebook.com/example"' in html
    assert reverse("qa:feed_rss") in html


def test_social_links_hidden_when_not_configured(client):
    with override_settings(COMPANY_X_URL="", COMPANY_FACEBOOK_URL=""):
        html = client.get(reverse("qa:home")).content.decode()
    assert "x.com" not in html and "facebook.com" not in html


def test_base_layout_has_nav_skip_link_feeds_and_no_inline_code(client, make_tip, customer):
    tip = make_tip()
    for user in (None, customer):
        if user:
            client.force_login(user)
        html = client.get(tip.get_absolute_url()).content.decode()
        assert 'class="skip-link" href="#main"' in html
        assert '<link rel="alternate" type="application/rss+xml"' in html
        assert 'action="/i18n/setlang/"' in html and 'name="language"' in html and 'type="submit"' in html
        assert "style=" not in html
        # The only <script> is the JSON-LD data block (CSP allows no inline script).
        assert re.findall(r"<script[^>]*>", html) == ['<script type="application/ld+json">']
    assert reverse("qa:my_questions") in html and reverse("account_logout") in html


def test_language_switcher_changes_language_without_javascript(client, make_tip):
    tip = make_tip()
    response = client.post("/i18n/setlang/", {"language": "ja", "next": tip.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == tip.get_absolute_url()
    html = client.get(tip.get_absolute_url()).content.decode()
    assert '<html lang="ja">' in html
    assert 'content="ja_JP"' in html


def test_tip_list_is_paginated(client, make_tip):
    for number in range(5):
        make_tip(title=f"Tip number {number}")
    with override_settings(TIPS_PER_PAGE=2):
        first = client.get(reverse("qa:tip_list")).content.decode()
        last = client.get(reverse("qa:tip_list"), {"page": 3}).content.decode()
        beyond = client.get(reverse("qa:tip_list"), {"page": 99})
    assert "Tip number 4" in first and "Tip number 0" not in first
    assert "Page 1 of 3" in first and "?page=2" in first
    assert "Tip number 0" in last
    assert beyond.status_code == 200  # get_page() shows the last page


def test_category_page_lists_only_its_tips(client, make_tip, category):
    other = Category.objects.create(name="返品・交換", slug="返品", order=2)
    make_tip(title="Shipping tip")
    make_tip(title="返品の方法", category=other)
    html = client.get(other.get_absolute_url()).content.decode()
    assert "返品の方法" in html and "Shipping tip" not in html
    assert client.get(reverse("qa:category", kwargs={"slug": "nope"})).status_code == 404


# --- The tip page ------------------------------------------------------------------


def test_tip_page_renders_sanitised_html_category_and_tags(client, make_tip, category):
    tip = make_tip(
        title="返品できますか？",
        question_text="商品を**返品**したい <script>alert(1)</script>",
        answer_text="はい、30日以内なら可能です。[詳しく](https://example.com)",
        tags=["返品", "returns"],
    )
    html = client.get(tip.get_absolute_url()).content.decode()
    assert "<strong>返品</strong>" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'rel="nofollow ugc noopener"' in html
    assert category.name in html and "returns" in html


def test_tip_page_has_canonical_opengraph_and_twitter_card(client, make_tip):
    tip = make_tip(title="How to reset the app", answer_text="Open **Settings** and tap *Reset*.")
    with override_settings(SITE_URL="https://help.example.com"):
        html = client.get(tip.get_absolute_url()).content.decode()
    canonical = "https://help.example.com" + tip.get_absolute_url()
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert _meta(html, "og:type") == "article"
    assert _meta(html, "og:url") == canonical
    assert _meta(html, "og:title") == "How to reset the app"
    assert _meta(html, "og:description") == "Open Settings and tap Reset."
    assert _meta(html, "og:image") == "https://help.example.com/static/img/og-default.png"
    assert _meta(html, "og:image:width") == "1200" and _meta(html, "og:image:height") == "630"
    assert _meta(html, "og:site_name") and _meta(html, "og:locale") == "en_US"
    assert _meta(html, "twitter:card") == "summary_large_image"
    assert _meta(html, "twitter:image") == "https://help.example.com/static/img/og-default.png"


def test_shipped_og_image_is_1200_by_630_png(settings):
    from pathlib import Path

    data = (Path(settings.BASE_DIR) / "static" / settings.OG_IMAGE).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 630)


def test_tip_json_ld_is_a_qapage_and_cannot_break_out_of_its_script(client, make_tip):
    tip = make_tip(title='Evil </script><script>alert("x")</script>', answer_text="Answer & more `</script>`")
    html = client.get(tip.get_absolute_url()).content.decode()
    data = _json_ld(html)
    assert data["@type"] == "QAPage"
    assert data["mainEntity"]["name"] == tip.title
    assert data["mainEntity"]["acceptedAnswer"]["text"] == "Answer & more </script>"
    assert data["url"] == tip.get_canonical_url()
    assert html.count("</script>") == 1


def test_tip_short_url_and_wrong_slug_redirect_permanently_to_canonical(client, make_tip):
    tip = make_tip(title="Where is my parcel? Tracking a delivery that has not arrived after a week")
    canonical = tip.get_absolute_url()
    assert canonical == f"/tips/{tip.pk}/where-is-my-parcel-tracking-a-delivery-that-has/"
    short = client.get(reverse("qa:tip_detail_short", kwargs={"pk": tip.pk}))
    wrong = client.get(reverse("qa:tip_detail", kwargs={"pk": tip.pk, "slug": "old-slug"}), {"utm_source": "x"})
    assert short.status_code == 301 and short["Location"] == canonical
    assert wrong.status_code == 301 and wrong["Location"] == canonical + "?utm_source=x"
    assert client.get(canonical).status_code == 200


def test_japanese_tip_address_is_its_id_and_old_percent_encoded_addresses_redirect(client, make_tip):
    tip = make_tip(title="配送状況の確認方法を教えてください。注文番号がわからない場合はどうすればいいですか")
    canonical = tip.get_absolute_url()
    assert tip.slug == "" and canonical == f"/tips/{tip.pk}/"
    # The address the previous version published (a percent-encoded Japanese slug).
    old = client.get(f"/tips/{tip.pk}/%E9%85%8D%E9%80%81%E7%8A%B6%E6%B3%81/", {"utm_source": "facebook"})
    assert old.status_code == 301 and old["Location"] == canonical + "?utm_source=facebook"
    page = client.get(canonical)
    assert page.status_code == 200
    assert f'<link rel="canonical" href="{tip.get_canonical_url()}">' in page.content.decode()
    assert tip.get_canonical_url().endswith(f"/tips/{tip.pk}/")


def test_deep_tip_list_pages_stop_at_the_cap_and_say_where_older_tips_are(client, make_tip, settings):
    settings.TIPS_PER_PAGE = 2
    settings.PUBLIC_LIST_MAX_PAGES = 2
    for n in range(5):
        make_tip(title=f"Tip {n}")
    last = client.get(reverse("qa:tip_list"), {"page": 2}).content.decode()
    assert "Page 2 of 2" in last and "Older tips are not listed here" in last
    assert 'rel="next"' not in last
    # A deeper page number shows the last page, as any page past the end does.
    assert "Page 2 of 2" in client.get(reverse("qa:tip_list"), {"page": 2000}).content.decode()
    first = client.get(reverse("qa:tip_list")).content.decode()
    assert "Older tips are not listed here" not in first


@pytest.mark.parametrize("status", ["draft", "unpublished"])
def test_unpublished_and_draft_tips_are_404(client, make_tip, status):
    tip = make_tip(publish=status != "draft")
    if status == "unpublished":
        services.tip_unpublish(tip=tip)
    response = client.get(tip.get_absolute_url())
    assert response.status_code == 404
    assert "find that page" in response.content.decode()
    assert client.get(reverse("qa:tip_detail_short", kwargs={"pk": 99999})).status_code == 404


def test_tip_page_shows_related_tips(client, make_tip):
    tip = make_tip(title="Main", tags=["shipping"])
    related = [make_tip(title=f"Related {n}", tags=["shipping"]) for n in range(6)]
    html = client.get(tip.get_absolute_url()).content.decode()
    assert "Related tips" in html
    shown = [t for t in related if t.get_absolute_url() in html]
    assert len(shown) == 5


def test_tip_page_is_gzip_compressed(client, make_tip):
    tip = make_tip(answer_text="長い回答です。" * 200)
    response = client.get(tip.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert "長い回答です。" in gzip.decompress(response.content).decode()


def test_tip_dates_use_the_configured_time_zone(client, make_tip):
    import datetime

    tip = make_tip()
    Tip.objects.filter(pk=tip.pk).update(published_at=datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC))
    with override_settings(TIME_ZONE="Asia/Tokyo"):
        html = client.get(tip.get_absolute_url()).content.decode()
    assert 'datetime="2026-03-02T08:30:00+09:00"' in html


# --- Voting (more in test_votes) -------------------------------------------------------


def test_vote_rejects_get_bad_choice_and_unpublished_tips(client, make_tip):
    tip = make_tip()
    draft = make_tip(title="Draft", publish=False)
    assert client.get(reverse("qa:tip_vote", kwargs={"pk": tip.pk})).status_code == 405
    client.post(reverse("qa:tip_vote", kwargs={"pk": tip.pk}), {"helpful": "maybe"})
    assert client.post(reverse("qa:tip_vote", kwargs={"pk": draft.pk}), {"helpful": "yes"}).status_code == 404
    tip.refresh_from_db()
    assert (tip.helpful_yes, tip.helpful_no) == (0, 0)


def test_votes_are_rate_limited_per_ip(make_tip):
    from django.test import Client

    tip = make_tip()
    vote_url = reverse("qa:tip_vote", kwargs={"pk": tip.pk})
    with override_settings(VOTE_RATE_PER_IP="2/h"):
        statuses = [Client(REMOTE_ADDR="203.0.113.7").post(vote_url, {"helpful": "yes"}).status_code for _ in range(3)]
        other_ip = Client(REMOTE_ADDR="203.0.113.8").post(vote_url, {"helpful": "yes"}).status_code
    assert statuses == [302, 302, 429]
    assert other_ip == 302


# --- Errors and robots ----------------------------------------------------------------


def test_404_page_is_friendly(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "find that page" in html and 'action="/search/"' in html


def test_500_template_renders_without_any_context():
    html = get_template("500.html").render()
    assert "Something went wrong" in html and "site.css" in html


def test_a_malformed_request_gets_the_friendly_400_page(client):
    # Django's bad_request view renders 400.html without a request context.
    response = client.get("/", HTTP_HOST="bad host name")
    assert response.status_code == 400
    html = response.content.decode()
    assert "could not be read" in html and "Nothing was saved" in html


def test_robots_txt(client):
    with override_settings(SITE_URL="https://help.example.com"):
        response = client.get("/robots.txt")
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert "User-agent: *" in body and "Allow: /" in body
    for path in ("/admin/", "/accounts/", "/my/", "/ask/"):
        assert f"Disallow: {path}" in body
    assert "Sitemap: https://help.example.com/sitemap.xml" in body
