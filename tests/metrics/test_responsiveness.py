"""The responsiveness section against numbers computed by hand.

Support hours: weekdays 09:00-18:00 in Tokyo; Monday 23 November 2026 is a
holiday (Labour Thanksgiving Day). The period is Monday 9 to Sunday 22
November; the previous one 26 October to 8 November."""

from datetime import date, time

import pytest
from django.contrib.auth import get_user_model

from conversations.models import Network, StaffProfile, SupportHoliday, SupportHours
from metrics.periods import Period
from metrics.rollups import rollups_recompute
from metrics.sections.responsiveness import build
from qa.models import Question
from tests.metrics.responsiveness_fixtures import at, conversation

pytestmark = pytest.mark.django_db

PERIOD = Period(date(2026, 11, 9), date(2026, 11, 22))
RESOLVED, SPAM = Question.CloseReason.RESOLVED, Question.CloseReason.SPAM


@pytest.fixture
def office_hours(settings):
    settings.SUPPORT_TIME_ZONE = "Asia/Tokyo"
    for weekday in range(5):
        SupportHours.objects.create(weekday=weekday, opens=time(9), closes=time(18))


@pytest.fixture
def holiday(office_hours):
    return SupportHoliday.objects.create(date=date(2026, 11, 23), name="勤労感謝の日")


@pytest.fixture
def team(db):
    User = get_user_model()
    alice, bob, carol = (User.objects.create_user(username=name, is_staff=True) for name in ("alice", "bob", "carol"))
    StaffProfile.objects.create(user=alice, display_name="Watanabe")
    return alice, bob, carol


@pytest.fixture
def fortnight(holiday, team):
    """Answered (wall clock / support hours), in seconds:
    A web  Fri 20 17:50 -> Mon 23 09:10 (holiday), alice: 228000 / 600 (Friday's last 10 minutes)
    B X    Tue 10 10:00 -> 10:30, bob: 1800 / 1800; follow-up 11:00 -> 11:20, alice: 1200;
           resolved 12:00: 7200 from its start
    C FB   Wed 11 09:00 -> (a note at 09:05 is no response) 11:00, alice: 7200 / 7200
    D web  Thu 12 20:00 -> Fri 13 08:00, bob: 43200 / 0 (before opening)
    E feed Sat 21 10:00, nobody yet
    F web  Wed 11 spam: left out
    G web  Wed 18 09:00 -> 09:40, carol: 2400 / 2400; resolved Thu 19 09:00: 86400
    Previous period: H web Mon 2 10:00 -> 10:05, alice: 300 / 300."""
    alice, bob, carol = team
    web, x, fb, feed = Network.WEB, Network.X, Network.FACEBOOK, Network.FEED
    conversation(web, ("customer", at("2026-11-20 17:50"), None), ("reply", at("2026-11-23 09:10"), alice))
    conversation(
        x,
        ("customer", at("2026-11-10 10:00"), None),
        ("reply", at("2026-11-10 10:30"), bob),
        ("customer", at("2026-11-10 11:00"), None),
        ("reply", at("2026-11-10 11:20"), alice),
        closed=(RESOLVED, at("2026-11-10 12:00")),
    )
    conversation(
        fb,
        ("customer", at("2026-11-11 09:00"), None),
        ("note", at("2026-11-11 09:05"), bob),
        ("reply", at("2026-11-11 11:00"), alice),
    )
    conversation(web, ("customer", at("2026-11-12 20:00"), None), ("reply", at("2026-11-13 08:00"), bob))
    conversation(feed, ("customer", at("2026-11-21 10:00"), None))
    conversation(web, ("customer", at("2026-11-11 10:00"), None), closed=(SPAM, at("2026-11-11 10:01")))
    conversation(
        web,
        ("customer", at("2026-11-18 09:00"), None),
        ("reply", at("2026-11-18 09:40"), carol),
        closed=(RESOLVED, at("2026-11-19 09:00")),
    )
    conversation(web, ("customer", at("2026-11-02 10:00"), None), ("reply", at("2026-11-02 10:05"), alice))
    rollups_recompute(date(2026, 10, 26), date(2026, 11, 26))


def figures(section):
    return {figure.key: (figure.value, figure.previous) for figure in section.figures}


def test_headline_figures_and_the_previous_period(fortnight, staff):
    got = figures(build(PERIOD, user=staff))
    # Answered, wall clock: 1800 2400 7200 43200 228000; E not yet (6 conversations).
    assert got["conversations"] == (6, 1)
    assert got["unanswered"] == (1, 0)
    assert got["first_response_median"] == (7200, 300)  # nearest rank: the 3rd of 5
    assert got["first_response_p90"] == (228000, 300)  # the 5th of 5
    assert got["answered_1h"] == (pytest.approx(33.3), 100)  # 2 of 6
    assert got["answered_24h"] == (pytest.approx(66.7), 100)  # 4 of 6
    # Support hours: 0 600 1800 2400 7200.
    assert got["first_response_median_support"] == (1800, 300)
    assert got["first_response_p90_support"] == (7200, 300)
    assert got["answered_1h_support"] == (pytest.approx(66.7), 100)  # 4 of 6
    assert got["answered_24h_support"] == (pytest.approx(83.3), 100)  # 5 of 6
    assert got["follow_up_median"] == (1200, None)
    assert got["resolved"] == (2, 0)
    assert got["resolution_median"] == (7200, None)
    assert got["resolution_p90"] == (86400, None)
    assert got["backlog"] == (1, None)


def test_across_a_weekend_and_a_holiday_only_support_hours_count(holiday, team):
    """Friday 17:50 to Monday 09:10: 2 days 15 h 20 min of wall clock; in
    support hours 10 minutes when Monday is a holiday, 20 when it is not."""
    conversation(Network.WEB, ("customer", at("2026-11-20 17:50"), None), ("reply", at("2026-11-23 09:10"), team[0]))
    rollups_recompute(date(2026, 11, 20), date(2026, 11, 23))
    week = Period(date(2026, 11, 16), date(2026, 11, 22))
    got = figures(build(week, user=None))
    assert got["first_response_median"][0] == 2 * 86400 + 15 * 3600 + 20 * 60
    assert got["first_response_median_support"][0] == 600

    holiday.delete()
    rollups_recompute(date(2026, 11, 23), date(2026, 11, 23))
    assert figures(build(week, user=None))["first_response_median_support"][0] == 1200


@pytest.mark.parametrize(
    "zone,day,support_seconds",
    [
        # 23:30 UTC on Friday 20th: Saturday 08:30 in Tokyo, Friday 18:30 in New York (after closing).
        # The reply, 14:10 UTC on Monday 23rd: 23:10 in Tokyo (after a whole 9-hour day), 09:10 in New York.
        ("Asia/Tokyo", date(2026, 11, 21), 9 * 3600),
        ("America/New_York", date(2026, 11, 20), 600),
    ],
)
def test_the_support_time_zone_decides_the_day_and_the_hours(settings, team, zone, day, support_seconds):
    settings.SUPPORT_TIME_ZONE = zone
    for weekday in range(5):
        SupportHours.objects.create(weekday=weekday, opens=time(9), closes=time(18))
    conversation(
        Network.X, ("customer", at("2026-11-20 23:30", "UTC"), None), ("reply", at("2026-11-23 14:10", "UTC"), team[1])
    )
    rollups_recompute(date(2026, 11, 19), date(2026, 11, 24))
    got = figures(build(Period(day, day), user=None))
    assert got["conversations"][0] == 1
    assert got["first_response_median"][0] == 2 * 86400 + 14 * 3600 + 40 * 60
    assert got["first_response_median_support"][0] == support_seconds
    other_day = day + (date(2026, 11, 21) - date(2026, 11, 20)) * (1 if zone != "Asia/Tokyo" else -1)
    assert figures(build(Period(other_day, other_day), user=None))["conversations"][0] == 0


def test_an_empty_period_has_no_timings(db):
    got = figures(build(PERIOD, user=None))
    assert got["conversations"] == (0, 0)
    assert got["unanswered"] == (0, 0)
    for key in ("first_response_median", "first_response_p90", "answered_1h", "first_response_median_support"):
        assert got[key] == (None, None)
    assert got["resolution_median"] == (None, None)
    assert got["backlog"] == (0, None)


def _table(section, key):
    table = next(table for table in section.tables if table.key == key)
    return table.columns, {row[0]: row[1:] for row in table.rows}


def test_by_channel(fortnight, staff):
    columns, rows = _table(build(PERIOD, user=staff), "by_channel")
    assert len(columns) == len(rows["Web"]) + 1
    # conversations, median, p90, within 1 h, within 24 h, median (support), within 1 support hour,
    # not answered yet, follow-ups median, resolved, resolution median
    assert rows["Web"] == [3, 43200, 228000, pytest.approx(33.3), pytest.approx(66.7), 600, 100.0, 0, None, 1, 86400]
    assert rows["X"] == [1, 1800, 1800, 100.0, 100.0, 1800, 100.0, 0, 1200, 1, 7200]
    assert rows["Facebook"] == [1, 7200, 7200, 0.0, 100.0, 7200, 0.0, 0, None, 0, None]
    assert rows["Feed"] == [1, None, None, 0.0, 0.0, None, 0.0, 1, None, 0, None]


def test_by_staff_member_who_sent_the_first_reply(fortnight, staff):
    _columns, rows = _table(build(PERIOD, user=staff), "by_staff")
    # Watanabe (alice's display name): A 228000 / 600, C 7200 / 7200; bob: B 1800 / 1800, D 43200 / 0.
    assert rows == {
        "Watanabe": [2, 7200, 228000, 0.0, 50.0, 600, 50.0],
        "bob": [2, 1800, 43200, 50.0, 100.0, 0, 100.0],
        "carol": [1, 2400, 2400, 100.0, 100.0, 2400, 100.0],
    }


def test_by_week_and_per_day(fortnight, staff):
    section = build(PERIOD, user=staff)
    _columns, rows = _table(section, "by_week")
    # Week of 9 Nov: B 1800, C 7200, D 43200; B resolved. Week of 16 Nov: G 2400, A 228000, E waiting; G resolved.
    assert rows == {
        "November 9": [3, 7200, 43200, pytest.approx(33.3), 100.0, 1800, pytest.approx(66.7), 1, 7200],
        "November 16": [3, 2400, 228000, pytest.approx(33.3), pytest.approx(33.3), 600, pytest.approx(66.7), 1, 86400],
    }
    per_day = next(chart for chart in section.charts if chart.key == "conversations_per_day")
    table = per_day.table()
    assert table.columns == ["", "Web", "X", "Facebook", "Feed"]
    assert len(table.rows) == 14
    counts = {row[0]: row[1:] for row in table.rows if any(row[1:])}
    assert counts == {
        "November 10": [0, 1, 0, 0],
        "November 11": [0, 0, 1, 0],  # the spam conversation that day is left out
        "November 12": [1, 0, 0, 0],
        "November 18": [1, 0, 0, 0],
        "November 20": [1, 0, 0, 0],
        "November 21": [0, 0, 0, 1],
    }


def test_japanese_labels_and_days(fortnight, staff):
    from django.utils import translation

    with translation.override("ja"):
        section = build(PERIOD, user=staff)
    _columns, rows = _table(section, "by_week")
    assert set(rows) == {"11月9日", "11月16日"}
    assert section.title == "応答性"


def test_percentiles_from_buckets_stay_within_the_buckets_width():
    """Many distinct durations: the bucketed median and p90 are within 6 % of
    the exact nearest-rank ones; the shares within 1 h and 24 h are exact."""
    import math
    import random

    from metrics.responsiveness_stats import DAY, HOUR, WITHIN_DAY, WITHIN_HOUR, Histogram, bucket_of

    rng = random.Random(5)
    durations = sorted(int(rng.lognormvariate(8, 1.6)) for _ in range(5000))
    histogram = Histogram()
    for seconds in durations:
        histogram.add(bucket_of(seconds), 1, seconds)
    histogram.add(None, 250, None)
    for p in (50, 90):
        exact = durations[math.ceil(p / 100 * len(durations)) - 1]
        assert histogram.percentile(p) == pytest.approx(exact, rel=0.06)
    assert histogram.share_within(WITHIN_HOUR) == 100 * sum(d <= HOUR for d in durations) / 5250
    assert histogram.share_within(WITHIN_DAY) == 100 * sum(d <= DAY for d in durations) / 5250
