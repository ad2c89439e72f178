"""The reach section against numbers computed by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from conversations.listening import month_start
from conversations.models import ListeningReadMonth
from metrics.models import DailyCount
from metrics.periods import Period
from metrics.sections import SECTIONS
from metrics.sections.reach import build
from publishing.models import Delivery, FollowerSnapshot, PostMetrics

pytestmark = pytest.mark.django_db
PERIOD = Period(dt.date(2026, 11, 8), dt.date(2026, 11, 14))  # the previous one: 1 to 7 November


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.SUPPORT_TIME_ZONE = "UTC"
    settings.CONVERSATION_X_READ_PRICE = Decimal("0.001")
    settings.PUBLISHING_PRICE_CURRENCY = "USD"


def post(title, channel, sent, **ages):
    delivery = Delivery.objects.create(
        tip=None,
        tip_title=title,
        channel=channel,
        purpose=Delivery.Purpose.POST,
        status=Delivery.Status.SENT,
        remote_id=title,
        sent_at=dt.datetime.combine(sent, dt.time(10), tzinfo=dt.UTC),
    )
    for age, numbers in ages.items():
        impressions, likes, reposts, replies, clicks = numbers
        PostMetrics.objects.create(
            delivery=delivery,
            age_days=int(age.removeprefix("day")),
            status=PostMetrics.Status.FETCHED,
            impressions=impressions,
            likes=likes,
            reposts=reposts,
            replies=replies,
            link_clicks=clicks,
            fetched_at=timezone.now(),
        )
    return delivery


def fixtures():
    post("A", "x", dt.date(2026, 11, 10), day1=(100, 5, 1, 2, 4), day7=(300, 10, 2, 3, 6))
    post("B", "facebook", dt.date(2026, 11, 12), day1=(50, 1, 0, 0, None))
    post("C", "x", dt.date(2026, 11, 3), day7=(80, 2, 0, 1, 1))
    post("D", "x", dt.date(2026, 11, 13))
    # A failed snapshot is not a number.
    failed = post("E", "x", dt.date(2026, 11, 9))
    PostMetrics.objects.create(delivery=failed, age_days=1, status=PostMetrics.Status.FAILED, last_error="gone")
    for channel, day, count in [
        ("x", dt.date(2026, 10, 31), 950),
        ("x", dt.date(2026, 11, 7), 1000),
        ("x", dt.date(2026, 11, 8), 1010),
        ("x", dt.date(2026, 11, 14), 1050),
        ("facebook", dt.date(2026, 11, 7), 200),
        ("facebook", dt.date(2026, 11, 14), 190),
    ]:
        FollowerSnapshot.objects.create(channel=channel, day=day, followers=count, fetched_at=timezone.now())
    for key, day, count in [
        ("x", dt.date(2026, 11, 9), 3),
        ("facebook", dt.date(2026, 11, 14), 2),
        ("other", dt.date(2026, 11, 10), 1),
        ("x", dt.date(2026, 11, 2), 4),
        ("x", dt.date(2026, 11, 15), 99),  # after the period
    ]:
        DailyCount.objects.create(event="visit", key=key, day=day, count=count)
    this_month = month_start(timezone.now())
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    ListeningReadMonth.objects.create(kind="x_metrics", month=this_month, reads=30)
    ListeningReadMonth.objects.create(kind="x_mentions", month=this_month, reads=70)
    ListeningReadMonth.objects.create(kind="x_metrics", month=last_month, reads=20)


def figures(section):
    return {figure.key: (figure.value, figure.previous) for figure in section.figures}


def test_the_figures_computed_by_hand(staff):
    fixtures()
    section = build(PERIOD, user=staff)
    assert "metrics.sections.reach.build" in SECTIONS
    assert figures(section) == {
        # A's 7-day numbers, B's 1-day ones (it has no 7-day snapshot yet); C is the previous period's.
        "impressions": (300 + 50, 80),
        "engagements": ((10 + 2 + 3) + (1 + 0 + 0), 2 + 0 + 1),
        # B's network does not report link clicks: not a zero.
        "link_clicks": (6, 1),
        "visits": (3 + 2 + 1, 4),
        "followers": (1050 + 190, 1000 + 200),
        # X 1000 -> 1050, Facebook 200 -> 190; before: X 950 -> 1000, Facebook from its first count (7 November) 200 -> 200.
        "follower_growth": (40, 50),
        "follower_growth_percent": (round(100 * 40 / 1200, 1), round(100 * 50 / (950 + 200), 1)),
        "x_metric_reads": (30, 20),
    }
    assert any("30 for these metrics, 100 in all" in note and "0.10 USD" in note for note in section.notes)
    assert "1 snapshot could not be fetched (0 will be tried again). The latest error: gone" in section.notes


def test_the_chart_and_tables(staff):
    fixtures()
    with translation.override("en"):
        section = build(PERIOD, user=staff)
    followers, visits = section.charts
    assert [series.label for series in followers.series] == ["Facebook", "X"]
    assert followers.series[1].points[0] == ("November 8", 1010)
    assert [value for _day, value in followers.series[1].points] == [1010, None, None, None, None, None, 1050]
    assert [series.label for series in visits.series] == ["Facebook", "X", "Other"]
    day1, day7 = section.tables
    assert [row[0] for row in day1.rows] == ["D (deleted)", "B (deleted)", "A (deleted)", "E (deleted)"]
    assert day1.rows[2] == ["A (deleted)", "X", "November 10", 100, 5, 1, 2, 4]
    assert day1.rows[0][3:] == [None] * 5 and day1.rows[3][3:] == [None] * 5
    assert day7.rows[2] == ["A (deleted)", "X", "November 10", 300, 10, 2, 3, 6]
    assert day7.columns[3:] == ["Impressions", "Likes", "Reposts or shares", "Replies", "Link clicks"]


def test_days_in_japanese(staff):
    fixtures()
    with translation.override("ja"):
        section = build(PERIOD, user=staff)
    assert section.charts[0].series[1].points[0][0] == "11月8日"


def test_an_empty_period(staff):
    section = build(PERIOD, user=staff)
    assert figures(section) == {
        "impressions": (None, None),
        "engagements": (None, None),
        "link_clicks": (None, None),
        "visits": (0, 0),
        "followers": (None, None),
        "follower_growth": (None, None),
        "follower_growth_percent": (None, None),
        "x_metric_reads": (0, None),
    }
    assert section.charts[0].series == [] and section.tables[0].rows == []


def test_a_fixed_number_of_queries_with_many_rows(staff, django_assert_max_num_queries):
    fixtures()
    for n in range(60):
        post(f"P{n}", "x", dt.date(2026, 11, 8) + dt.timedelta(days=n % 7), day1=(n, 1, 1, 1, 1), day7=(n, 2, 2, 2, 2))
    for n in range(14):
        FollowerSnapshot.objects.create(
            channel="mastodon", day=dt.date(2026, 10, 31) + dt.timedelta(days=n), followers=n, fetched_at=timezone.now()
        )
    with django_assert_max_num_queries(9):
        build(PERIOD, user=staff)


def test_a_year_long_period_and_the_year_before_it(staff):
    fixtures()
    year = Period(dt.date(2025, 11, 15), dt.date(2026, 11, 14))
    assert year.length == 365
    section = build(year, user=staff)
    assert figures(section)["impressions"] == (300 + 50 + 80, None)
    leap = Period(dt.date(2023, 11, 15), dt.date(2024, 11, 14))
    assert leap.length == 366 and build(leap, user=staff).figures[0].value is None
