"""The public page cache (qa.page_cache): who shares a cached page, what
invalidates it, and the headers a CDN or reverse proxy relies on."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from taggit.models import Tag

from qa import services
from qa.models import Category

pytestmark = pytest.mark.django_db


def queries_of(client, url, **headers):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **headers)
    return response, len(context.captured_queries)


@pytest.fixture
def tip(make_tip):
    return make_tip(title="送料はいくらですか？", answer_text="全国一律500円です。", tags=["送料"])


def test_an_anonymous_visitor_gets_a_shared_page_from_the_cache(client, tip):
    first, rendering = queries_of(client, tip.get_absolute_url())
    second, cached = queries_of(Client(), tip.get_absolute_url())
    assert first.status_code == second.status_code == 200
    assert rendering > 0 and cached == 0
    assert first.content == second.content
    assert "送料はいくらですか？" in second.content.decode()
    # Nothing in it or about it belongs to one visitor.
    assert "csrfmiddlewaretoken" not in second.content.decode()
    assert not second.cookies


def test_shared_pages_carry_headers_a_cdn_can_honour(client, tip):
    response = client.get(tip.get_absolute_url())
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert "public" in cache_control
    assert f"s-maxage={settings.PUBLIC_PAGE_SHARED_MAX_AGE}" in cache_control
    assert "max-age=0" in cache_control
    vary = {part.strip().lower() for part in response["Vary"].split(",")}
    assert {"cookie", "accept-language"} <= vary
    assert response["ETag"].startswith('"') and response["Last-Modified"].endswith("GMT")


def test_a_conditional_request_gets_304(client, tip):
    response = client.get(tip.get_absolute_url())
    again = client.get(tip.get_absolute_url(), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""
    since = client.get(tip.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert since.status_code == 304


def test_signed_in_pages_are_never_cached(client, tip, customer):
    client.force_login(customer)
    for _ in range(2):
        response, count = queries_of(client, tip.get_absolute_url())
        assert count > 0  # rendered each time
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert "ETag" not in response
        assert "csrfmiddlewaretoken" in response.content.decode()  # its forms carry a token
        assert "Sign out" in response.content.decode()
    # And the signed-in page never reached the anonymous visitors' cache.
    assert "Sign out" not in Client().get(tip.get_absolute_url()).content.decode()


def test_languages_are_cached_apart(tip):
    english = Client().get(tip.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    japanese = Client().get(tip.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ja")
    assert '<html lang="en">' in english.content.decode()
    assert '<html lang="ja">' in japanese.content.decode()
    by_cookie = Client()
    by_cookie.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    response, count = queries_of(by_cookie, tip.get_absolute_url())
    assert count == 0 and '<html lang="ja">' in response.content.decode()
    response, count = queries_of(Client(), tip.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert count == 0 and '<html lang="en">' in response.content.decode()


def test_tracking_parameters_share_the_page_and_page_numbers_do_not(client, make_tip):
    for n in range(25):
        make_tip(title=f"Tip number {n}")
    client.get(reverse("qa:home"))
    _response, count = queries_of(Client(), reverse("qa:home") + "?utm_source=x&utm_medium=social&fbclid=AbC123")
    assert count == 0
    first = Client().get(reverse("qa:tip_list"))
    second = Client().get(reverse("qa:tip_list") + "?page=2")
    assert "Tip number 24" in first.content.decode() and "Tip number 24" not in second.content.decode()


@pytest.mark.parametrize(
    "change",
    ["edit", "unpublish", "publish_other", "category_rename", "tag_rename"],
)
def test_changes_to_tips_categories_and_tags_reach_the_cached_pages(client, tip, make_tip, category, change):
    # In the tip's language: the tip page lists related tips in its own language.
    other = make_tip(title="公開前の下書き", answer_text="送料の説明です。", tags=["送料"], publish=False)
    urls = [reverse("qa:home"), tip.get_absolute_url(), category.get_absolute_url(), reverse("qa:tip_list")]
    before = {url: client.get(url).content.decode() for url in urls}
    if change == "edit":
        services.tip_update(tip=tip, title="送料は無料になりました")
        expected = {url: "送料は無料になりました" for url in urls}
    elif change == "unpublish":
        services.tip_unpublish(tip=tip)
        assert client.get(tip.get_absolute_url()).status_code == 404
        assert "送料はいくらですか？" not in client.get(reverse("qa:home")).content.decode()
        return
    elif change == "publish_other":
        services.tip_publish(tip=other, announce=False)
        expected = {url: "公開前の下書き" for url in urls}
    elif change == "category_rename":
        category.name = "配送"
        category.save()
        expected = {url: "配送" for url in urls if url != reverse("qa:tip_list")}
    else:
        Tag.objects.filter(name="送料").update(name="unused")  # a queryset update sends no signal...
        Tag.objects.get(name="unused").save()  # ...an admin edit does
        expected = {tip.get_absolute_url(): "unused"}
    for url, text in expected.items():
        assert text not in before[url], url
        assert text in client.get(url).content.decode(), url


def test_counts_are_current_after_a_vote(tip):
    url = tip.get_absolute_url()
    assert "0 people found this helpful" in Client().get(url).content.decode()
    voter = Client()
    voter.post(reverse("qa:tip_vote", args=[tip.pk]), {"helpful": "yes"}, HTTP_ORIGIN="http://testserver")
    # The voter now has a session: their page is their own, with their thanks.
    mine = voter.get(url)
    assert "no-store" in mine["Cache-Control"]
    assert "Thank you for letting us know!" in mine.content.decode()
    # Everyone else's shared page shows the new count (only this tip's pages were dropped).
    shared = Client().get(url).content.decode()
    assert "1 person found this helpful" in shared
    assert "Thank you for letting us know!" not in shared


def test_home_page_counts_come_from_the_category_counter(client, make_tip, category):
    elsewhere = Category.objects.create(name="Returns", slug="returns")
    tips = [make_tip(title=f"Shipping {n}") for n in range(3)]
    make_tip(title="Draft", publish=False)
    services.tip_update(tip=tips[0], category=elsewhere)
    services.tip_unpublish(tip=tips[1])
    category.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (category.published_tip_count, elsewhere.published_tip_count) == (1, 1)
    with CaptureQueriesContext(connection) as context:
        html = client.get(reverse("qa:home")).content.decode()
    assert re.search(r'category-card__count">\s*1 tip\s*<', html)
    assert not any("COUNT(" in query["sql"].upper() for query in context.captured_queries)


@pytest.mark.redis
def test_the_same_code_on_redis(redis_url, settings, tip):
    """Production's cache: versions are Redis INCRs, pages are Redis values."""
    settings.CACHES = {"default": {"BACKEND": "supportsite.redis_cache.ReusedClientRedisCache", "LOCATION": redis_url}}
    from django.core.cache import cache

    cache.clear()
    # One redis-py client per pool, not one per call (supportsite/redis_cache.py).
    assert cache._cache.get_client() is cache._cache.get_client()
    assert cache._cache.get_client(write=True) is cache._cache.get_client()  # one server: one pool
    url = tip.get_absolute_url()
    Client().get(url)
    _response, count = queries_of(Client(), url)
    assert count == 0
    services.tip_update(tip=tip, title="Redis で更新")
    assert "Redis で更新" in Client().get(url).content.decode()
    cache.clear()
