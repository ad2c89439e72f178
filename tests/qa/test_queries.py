"""Query budgets: every public page runs a fixed number of queries, however
many tips, tags and categories exist."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qa import services
from qa.models import Category

pytestmark = pytest.mark.django_db

MAX_QUERIES = 12
# A search also counts itself for the metrics (metrics.self_service_events): one
# UPDATE, and on the day's first search an INSERT in a savepoint (three more).
SEARCH_COUNTER_QUERIES = 4


def _budget(url: str) -> int:
    return MAX_QUERIES + (SEARCH_COUNTER_QUERIES if url.startswith(reverse("qa:search")) else 0)


def _add_tips(count: int, *, start: int = 0) -> None:
    categories = list(Category.objects.all())
    for number in range(start, start + count):
        english = number % 3 == 0  # both languages, so that lists filter by language
        tip = services.tip_create(
            title=f"Shipping and returns {number}" if english else f"送料と返品のヒント {number}",
            question_text=f"質問 {number}",
            answer_text=f"Answer {number}: shipping is free." if english else f"回答 {number}: 送料は無料です。",
            category=categories[number % len(categories)],
            tags=[f"tag{number % 7}", f"タグ{number % 5}", "共通"],
        )
        services.tip_publish(tip=tip, announce=False)


@pytest.fixture
def categories(db):
    return [Category.objects.create(name=f"カテゴリ {n}", slug=f"cat-{n}", order=n) for n in range(4)]


def _public_urls():
    from qa.models import Tip

    tip = Tip.objects.published().order_by("pk").first()
    return [
        reverse("qa:home"),
        reverse("qa:tip_list"),
        reverse("qa:tip_list") + "?page=2",
        tip.get_absolute_url(),
        reverse("qa:category", kwargs={"slug": "cat-0"}),
        reverse("qa:category", kwargs={"slug": "cat-0"}) + "?all_languages=1",
        reverse("qa:home") + "?lang=ja",
        reverse("qa:tag", kwargs={"slug": "共通"}),
        reverse("qa:tag", kwargs={"slug": "tag1"}) + "?page=2&all_languages=1",
        reverse("qa:search") + "?q=送料",
        reverse("qa:search") + "?q=送料+返品",
        reverse("qa:feed_rss"),
        reverse("qa:feed_atom"),
        reverse("qa:category_feed_rss", kwargs={"slug": "cat-1"}),
        reverse("qa:category_feed_atom", kwargs={"slug": "cat-1"}),
        "/sitemap.xml",
        "/sitemap-tags.xml",
        "/sitemap-categories.xml",
        "/robots.txt",
    ]


def _count_queries(client, url: str) -> int:
    # The cost of rendering the page: with a cold page cache (qa.page_cache).
    cache.clear()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


@pytest.mark.parametrize("signed_in", [False, True])
def test_public_pages_stay_within_budget_with_many_tips(
    client, categories, customer, signed_in, django_assert_max_num_queries
):
    _add_tips(60)
    if signed_in:
        client.force_login(customer)
    for url in _public_urls():
        with django_assert_max_num_queries(_budget(url)):
            assert client.get(url).status_code == 200


def test_query_count_does_not_grow_with_the_number_of_tips(client, categories):
    _add_tips(10)
    for url in _public_urls():
        client.get(url)  # warm per-process caches (the sites framework's Site row)
    few = {url: _count_queries(client, url) for url in _public_urls()}
    _add_tips(50, start=10)
    many = {url: _count_queries(client, url) for url in _public_urls()}
    # Never more; a tip page may run one fewer: with few tips its stored related list is short, and the
    # newest tips of its category fill it (a second query), which a full list does not need.
    assert {url: count for url, count in many.items() if count > few[url]} == {}
    fewer = {url: few[url] - count for url, count in many.items() if count < few[url]}
    assert all(url.startswith("/tips/") and difference == 1 for url, difference in fewer.items()), fewer


def test_tip_page_after_a_vote_stays_within_budget(client, categories, django_assert_max_num_queries):
    _add_tips(20)
    url = _public_urls()[3]
    tip_pk = int(url.split("/")[2])
    client.post(reverse("qa:tip_vote", kwargs={"pk": tip_pk}), {"helpful": "yes"})
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(url).status_code == 200
