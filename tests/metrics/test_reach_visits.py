"""Visits arriving from a network's UTM-tagged link, counted per day through
the client: cached pages too, no cookie, robots and junk kept out."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from metrics.models import DailyCount
from metrics.periods import local_today

pytestmark = pytest.mark.django_db
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


def visits():
    return dict(DailyCount.objects.filter(event="visit", day=local_today()).values_list("key", "count"))


def test_each_visit_from_a_post_is_counted_even_when_the_page_comes_from_the_cache(settings, make_tip):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    tip = make_tip(title="送料はいくらですか？")
    url = tip.get_absolute_url() + "?utm_source=x&utm_medium=social&utm_campaign=tip"
    first = Client(HTTP_USER_AGENT=BROWSER).get(url)
    with CaptureQueriesContext(connection) as second_queries:
        second = Client(HTTP_USER_AGENT=BROWSER).get(url)
    assert first.status_code == second.status_code == 200
    # The second page came from the cache: its only queries are the counter's.
    assert not any("qa_tip" in query["sql"] for query in second_queries.captured_queries)
    Client(HTTP_USER_AGENT=BROWSER).get(tip.get_absolute_url() + "?utm_source=facebook&fbclid=AbC")
    assert visits() == {"x": 2, "facebook": 1}
    assert not second.cookies and "Set-Cookie" not in second


def test_robots_redirects_unknown_sources_and_plain_visits(settings, make_tip):
    tip = make_tip(title="Returns")
    tagged = tip.get_absolute_url() + "?utm_source=x"
    Client(HTTP_USER_AGENT="facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)").get(tagged)
    Client(HTTP_USER_AGENT="Twitterbot/1.0").get(tagged)
    Client().get(tagged)  # no User-Agent at all: not a browser
    Client(HTTP_USER_AGENT=BROWSER).get(tip.get_absolute_url())  # untagged
    # An old address redirects (301) keeping the tags: counted once, where it lands.
    old = Client(HTTP_USER_AGENT=BROWSER).get(f"/tips/{tip.pk}/old-slug/?utm_source=x")
    assert old.status_code == 301
    assert visits() == {}
    Client(HTTP_USER_AGENT=BROWSER).get(tip.get_absolute_url() + "?utm_source=" + "spam" * 100)
    Client(HTTP_USER_AGENT=BROWSER).get(tip.get_absolute_url() + "?utm_source=X")
    assert visits() == {"other": 1, "x": 1}
