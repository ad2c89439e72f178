"""Search, staff side: synonyms edited in the admin change what the search
finds; searches that find nothing are recorded (normalised, counted, nothing
about who searched) and listed with a button to write a tip."""

import pytest
from django.urls import reverse

from qa import selectors
from qa.models import SearchMiss, SearchSynonym, Tip
from qa.search.services import SEARCH_MISS_MAX_LENGTH

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _titles(query: str) -> list[str]:
    return [tip.title for tip in selectors.tip_search(query=query)]


def test_default_synonyms_are_seeded_and_apply_both_ways(make_tip):
    make_tip(title="返金について", answer_text="5営業日以内に返金します。")
    make_tip(title="How do I get a refund?", answer_text="We refund within 5 days.")
    assert SearchSynonym.objects.exists()
    assert _titles("払い戻し") == ["返金について"]
    assert _titles("money back") == ["How do I get a refund?"]


def test_a_synonym_staff_add_in_the_admin_is_used_at_once(staff_client, make_tip, django_capture_on_commit_callbacks):
    make_tip(title="How to unsubscribe", answer_text="Use the link at the bottom of each newsletter.")
    assert _titles("opt out") == []
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:qa_searchsynonym_add"), {"terms": "unsubscribe, opt out"})
    assert response.status_code == 302
    assert _titles("opt out") == ["How to unsubscribe"]

    synonym = SearchSynonym.objects.get(terms="unsubscribe, opt out")
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("admin:qa_searchsynonym_delete", args=[synonym.pk]), {"post": "yes"})
    assert _titles("opt out") == []


def test_a_search_that_finds_nothing_is_counted_once_per_search_normalised(client, make_tip):
    make_tip(title="送料について", answer_text="全国一律500円です。")
    for query in ["ＸＹＬＯＰＨＯＮＥ", "xylophone", "  Xylophone  "]:
        client.get(reverse("qa:search"), {"q": query})
    client.get(reverse("qa:search"), {"q": "送料"})  # found: not recorded
    client.get(reverse("qa:search"), {"q": ""})  # nothing searched: not recorded

    miss = SearchMiss.objects.get()
    assert (miss.query, miss.count) == ("xylophone", 3)
    assert miss.first_seen <= miss.last_seen


def test_a_long_query_is_recorded_cut_to_a_bounded_length(client):
    client.get(reverse("qa:search"), {"q": "存在しない" * 100})
    assert len(SearchMiss.objects.get().query) == SEARCH_MISS_MAX_LENGTH


def test_recording_a_miss_costs_one_statement_once_the_query_is_known(client, django_assert_max_num_queries):
    client.get(reverse("qa:search"), {"q": "xylophone"})
    # Served from the page cache: one UPDATE of the existing row, and the day's
    # counters of searches and misses (metrics.self_service_events), one UPDATE each.
    with django_assert_max_num_queries(3):
        client.get(reverse("qa:search"), {"q": "xylophone"})
    assert SearchMiss.objects.get().count == 2


def test_staff_see_what_customers_do_not_find_and_start_a_tip_from_it(staff_client, client):
    client.get(reverse("qa:search"), {"q": "ギフトカード"})
    page = staff_client.get(reverse("admin:qa_searchmiss_changelist")).content.decode()
    assert "What customers look for and don&#x27;t find" in page
    add_url = reverse("admin:qa_tip_add") + "?title=%E3%82%AE%E3%83%95%E3%83%88%E3%82%AB%E3%83%BC%E3%83%89"
    assert add_url in page

    form = staff_client.get(add_url).content.decode()
    assert 'value="ギフトカード"' in form
    response = staff_client.post(
        reverse("admin:qa_tip_add"),
        {
            "title": "ギフトカード",
            "slug": "",
            "category": "",
            "tags": "",
            "question_text": "",
            "answer_text": "ギフトカードはレジで使えます。",
            "channel_settings-TOTAL_FORMS": "0",
            "channel_settings-INITIAL_FORMS": "0",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    tip = Tip.objects.get(title="ギフトカード")
    assert tip.status == Tip.Status.DRAFT
    assert "ギフ フト トカ カー ード" in tip.search_body or "ギフ" in tip.search_title


def test_search_pages_are_cached_per_query_and_a_miss_still_counts_on_each_hit(client, make_tip):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_tip(title="送料について", answer_text="全国一律500円です。")
    first = client.get(reverse("qa:search"), {"q": "xylophone"})
    assert first["Cache-Control"].startswith("public")
    with CaptureQueriesContext(connection) as context:
        again = client.get(reverse("qa:search"), {"q": "xylophone", "utm_source": "x"})
    assert again.content == first.content
    # Served from the cache: the only statements are counters (the miss, and the
    # day's searches, misses and visits from X for the metrics page), no search.
    statements = [query["sql"] for query in context.captured_queries]
    assert statements and all(sql.startswith("UPDATE") for sql in statements), statements
    assert any("qa_searchmiss" in sql for sql in statements)
    assert all("qa_searchmiss" in sql or "metrics_dailycount" in sql for sql in statements), statements
    assert SearchMiss.objects.get().count == 2
    # Each query has its own page, which shows it back in the search box.
    found = client.get(reverse("qa:search"), {"q": "送料"}).content.decode()
    assert "<mark>送料</mark>について" in found and 'value="送料"' in found
    assert SearchMiss.objects.get().count == 2


def test_a_new_tip_clears_cached_search_pages(client, make_tip):
    assert "</mark> tuning" not in client.get(reverse("qa:search"), {"q": "xylophone"}).content.decode()
    make_tip(title="xylophone tuning", answer_text="Tune it yearly.")
    assert "<mark>xylophone</mark> tuning" in client.get(reverse("qa:search"), {"q": "xylophone"}).content.decode()
