"""The responsiveness counts (metrics.responsiveness_counts): the facts added
up per day and per week, against numbers computed by hand; kept in step when
a reply changes the facts of an earlier day; and read back for periods cut
anywhere in a week as exactly what the period's facts give.

No support hours are set: the team is on duty around the clock, so both
clocks measure the same seconds. Times are Tokyo's; Monday 9 November 2026
begins a week."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model

from conversations.models import Network
from metrics.periods import Period, local_today, period_ending
from metrics.responsiveness_counts import response_counts_recompute, weeks_of
from metrics.responsiveness_models import ChannelResponseCount, ResponseTime, StaffResponseCount
from metrics.responsiveness_rollup import recompute
from metrics.responsiveness_selectors import _spans_of
from metrics.responsiveness_stats import bucket_of
from metrics.rollups import rollups_recompute
from metrics.sections.responsiveness import build
from qa.models import Message, Question
from tests.metrics.responsiveness_fixtures import at, conversation

pytestmark = pytest.mark.django_db

FIRST, FOLLOW_UP = ResponseTime.Kind.FIRST, ResponseTime.Kind.FOLLOW_UP
MONDAY = date(2026, 11, 9)


@pytest.fixture(autouse=True)
def tokyo(settings):
    settings.SUPPORT_TIME_ZONE = "Asia/Tokyo"


@pytest.fixture
def agents(db):
    User = get_user_model()
    return User.objects.create_user(username="alice", is_staff=True), User.objects.create_user(
        username="bob", is_staff=True
    )


def _channel_rows(span: int, first_day: date) -> list[tuple]:
    return sorted(
        ChannelResponseCount.objects.filter(span=span, first_day=first_day).values_list(
            "week", "kind", "channel", "clock", "bucket", "waits", "seconds"
        ),
        key=str,
    )


def _staff_rows(span: int, first_day: date) -> list[tuple]:
    return sorted(
        StaffResponseCount.objects.filter(span=span, first_day=first_day).values_list(
            "week", "responder__username", "clock", "bucket", "waits", "seconds"
        ),
        key=str,
    )


def test_a_day_and_its_week_by_hand(agents):
    """Tue 10: A web 10:00 -> 10:30 bob, B web 12:00 -> 12:30 alice (1800 s each:
    one bucket, 2 waits, 3600 s); Thu 12: C X 09:00, nobody yet."""
    alice, bob = agents
    conversation(Network.WEB, ("customer", at("2026-11-10 10:00"), None), ("reply", at("2026-11-10 10:30"), bob))
    conversation(Network.WEB, ("customer", at("2026-11-10 12:00"), None), ("reply", at("2026-11-10 12:30"), alice))
    conversation(Network.X, ("customer", at("2026-11-12 09:00"), None))
    rollups_recompute(MONDAY, MONDAY + timedelta(days=6))
    half_hour = bucket_of(1800)
    assert _channel_rows(1, date(2026, 11, 10)) == [
        (MONDAY, "first", "web", "support", half_hour, 2, 3600),
        (MONDAY, "first", "web", "wall", half_hour, 2, 3600),
    ]
    assert _channel_rows(1, date(2026, 11, 12)) == [
        (MONDAY, "first", "x", "support", None, 1, 0),
        (MONDAY, "first", "x", "wall", None, 1, 0),
    ]
    assert _channel_rows(7, MONDAY) == sorted(
        _channel_rows(1, date(2026, 11, 10)) + _channel_rows(1, date(2026, 11, 12)), key=str
    )
    by_staff = [
        (MONDAY, "alice", "support", half_hour, 1, 1800),
        (MONDAY, "alice", "wall", half_hour, 1, 1800),
        (MONDAY, "bob", "support", half_hour, 1, 1800),
        (MONDAY, "bob", "wall", half_hour, 1, 1800),
    ]
    assert _staff_rows(1, date(2026, 11, 10)) == by_staff
    assert _staff_rows(7, MONDAY) == by_staff  # C, not answered, is nobody's
    assert not _channel_rows(1, MONDAY) and not _staff_rows(1, MONDAY)  # a day without facts has no rows


def _reply(question: Question, when, author) -> None:
    """A staff reply, and the state the services would leave."""
    Message.objects.create(
        question=question,
        kind="reply",
        author=author,
        body="…",
        is_public=True,
        channel=question.source,
        created_at=when,
    )
    Question.objects.filter(pk=question.pk).update(status=Question.Status.WAITING_CUSTOMER, waiting_since=when)


def _follow_up(question: Question, when) -> None:
    Message.objects.create(question=question, kind="customer", body="…", channel=question.source, created_at=when)
    Question.objects.filter(pk=question.pk).update(status=Question.Status.WAITING_US, waiting_since=when)


def test_a_reply_moves_the_counts_of_the_day_the_customer_wrote(agents):
    """Asked Monday 2 November, answered Tuesday 10 (8 days: 691200 s): only
    the 10th is recomputed, yet the 2nd and its week now count the answer.
    Reopened Wednesday 11 at 09:00, answered at 09:30: a follow-up of 1800 s."""
    alice, bob = agents
    asked_on, asked_week = date(2026, 11, 2), date(2026, 11, 2)
    question = conversation(Network.WEB, ("customer", at("2026-11-02 10:00"), None))
    recompute(asked_on)
    assert _channel_rows(7, asked_week) == [
        (asked_week, "first", "web", "support", None, 1, 0),
        (asked_week, "first", "web", "wall", None, 1, 0),
    ]

    _reply(question, at("2026-11-10 10:00"), bob)
    recompute(date(2026, 11, 10))
    eight_days = bucket_of(691200)
    answered = [
        (asked_week, "first", "web", "support", eight_days, 1, 691200),
        (asked_week, "first", "web", "wall", eight_days, 1, 691200),
    ]
    assert _channel_rows(1, asked_on) == answered
    assert _channel_rows(7, asked_week) == answered
    assert _staff_rows(7, asked_week) == [
        (asked_week, "bob", "support", eight_days, 1, 691200),
        (asked_week, "bob", "wall", eight_days, 1, 691200),
    ]

    _follow_up(question, at("2026-11-11 09:00"))
    recompute(date(2026, 11, 11))
    assert _channel_rows(1, date(2026, 11, 11)) == [(MONDAY, "follow_up", "web", "wall", None, 1, 0)]
    _reply(question, at("2026-11-11 09:30"), alice)
    recompute(date(2026, 11, 11))
    assert _channel_rows(7, MONDAY) == [(MONDAY, "follow_up", "web", "wall", bucket_of(1800), 1, 1800)]
    figures = {f.key: f.value for f in build(Period(MONDAY, MONDAY + timedelta(days=6)), user=bob).figures}
    assert (figures["conversations"], figures["follow_up_median"]) == (0, 1800)
    assert _staff_rows(7, MONDAY) == []  # a follow-up is nobody's first response


def _all_rows() -> tuple[list, list]:
    channel = ChannelResponseCount.objects.values_list(
        "span", "first_day", "week", "kind", "channel", "clock", "bucket", "waits", "seconds"
    )
    staff = StaffResponseCount.objects.values_list(
        "span", "first_day", "week", "responder_id", "clock", "bucket", "waits", "seconds"
    )
    return sorted(channel, key=str), sorted(staff, key=str)


def _month_of_conversations(agents) -> None:
    """Five weeks from Monday 2 November, durations from 1 minute to 3 days."""
    channels = [Network.WEB, Network.X, Network.FACEBOOK, Network.FEED]
    for n in range(60):
        opened = at("2026-11-02 08:00") + timedelta(hours=13 * n + n % 5)
        events = [("customer", opened, None)]
        if n % 9:
            events.append(("reply", opened + timedelta(minutes=1 + 97 * (n % 45)), agents[n % 2]))
        if n % 4 == 0 and n % 9:
            events.append(("customer", opened + timedelta(days=1), None))
            events.append(("reply", opened + timedelta(days=1, minutes=n), agents[0]))
        closed = (Question.CloseReason.RESOLVED, opened + timedelta(days=2, hours=n)) if n % 6 == 0 else None
        conversation(channels[n % 4], *events, closed=closed)


def test_the_rollup_is_idempotent(agents):
    _month_of_conversations(agents)
    rollups_recompute(date(2026, 11, 1), date(2026, 12, 10))
    first = _all_rows()
    assert len(first[0]) > 100 and len(first[1]) > 50
    rollups_recompute(date(2026, 11, 1), date(2026, 12, 10))
    recompute(date(2026, 11, 12))
    response_counts_recompute([date(2026, 11, 3), date(2026, 11, 20)])
    assert _all_rows() == first


def _facts_added_up(period: Period, group) -> Counter:
    totals = Counter()
    for fact in ResponseTime.objects.filter(day__range=(period.first_day, period.last_day)):
        for clock in ("wall", "support"):
            for key in group(fact, clock):
                bucket, seconds = getattr(fact, f"{clock}_bucket"), getattr(fact, f"{clock}_seconds")
                totals[(*key, bucket, "waits")] += 1
                totals[(*key, bucket, "seconds")] += seconds or 0
    return +totals


def _counts_added_up(rows, fields: list[str]) -> Counter:
    totals = Counter()
    for row in rows.values(*fields, "bucket", "waits", "seconds"):
        key = tuple(row[field] for field in fields)
        totals[(*key, row["bucket"], "waits")] += row["waits"]
        totals[(*key, row["bucket"], "seconds")] += row["seconds"]
    return +totals


def test_periods_cut_anywhere_in_a_week_add_up_to_their_facts(agents):
    """Whole weeks and the days around them: every period of 1 to 30 days
    starting on each day of a week reads exactly its facts' counts."""
    _month_of_conversations(agents)
    rollups_recompute(date(2026, 11, 1), date(2026, 12, 10))

    def by_channel(fact, clock):
        if clock == "wall" or fact.kind == FIRST:
            yield (fact.kind, fact.channel, clock)

    def by_staff(fact, clock):
        if fact.kind == FIRST and fact.ended_at is not None:
            yield (fact.responder_id, clock)

    for start in range(7):
        for length in (1, 2, 6, 7, 8, 13, 14, 15, 20, 30):
            period = Period(
                date(2026, 11, 2) + timedelta(days=start), date(2026, 11, 2) + timedelta(days=start + length - 1)
            )
            channel = ChannelResponseCount.objects.filter(_spans_of(period))
            assert _counts_added_up(channel, ["kind", "channel", "clock"]) == _facts_added_up(period, by_channel), (
                period
            )
            staff = StaffResponseCount.objects.filter(_spans_of(period))
            assert _counts_added_up(staff, ["responder_id", "clock"]) == _facts_added_up(period, by_staff), period


def test_whole_weeks_of_a_period():
    sunday = date(2026, 11, 15)
    assert weeks_of(MONDAY, sunday) == (MONDAY, MONDAY)
    assert weeks_of(MONDAY, sunday - timedelta(days=1)) is None
    assert weeks_of(MONDAY - timedelta(days=1), sunday + timedelta(days=8)) == (MONDAY, MONDAY + timedelta(days=7))
    assert weeks_of(MONDAY + timedelta(days=1), sunday + timedelta(days=7)) == (MONDAY + timedelta(days=7),) * 2


def test_an_empty_period(django_assert_max_num_queries, staff):
    period = Period(date(2026, 11, 3), date(2026, 11, 26))
    rollups_recompute(period.first_day, period.last_day)
    assert not ChannelResponseCount.objects.exists() and not StaffResponseCount.objects.exists()
    with django_assert_max_num_queries(9):  # 8: no staff member to look up
        section = build(period, user=staff)
    figures = {f.key: (f.value, f.previous) for f in section.figures}
    assert figures["conversations"] == (0, 0)
    assert figures["first_response_median"] == (None, None)
    assert figures["answered_1h"] == (None, None)
    tables = {table.key: table for table in section.tables}
    assert tables["by_staff"].rows == [] and tables["by_week"].rows == []


def test_a_year_runs_the_same_queries(django_assert_num_queries, agents, staff):
    """A conversation every few days for a year and more: 9 queries for a year, as for a few days."""
    for n in range(140):
        opened = at(f"{local_today() - timedelta(days=3 * n)} 09:00")
        conversation(Network.WEB, ("customer", opened, None), ("reply", opened + timedelta(minutes=n), agents[n % 2]))
    rollups_recompute(local_today() - timedelta(days=3 * 140), local_today())
    for days in (6, 366):  # not the usual 7, 28 and 90 days, which the roll-up prepared
        with django_assert_num_queries(9):
            section = build(period_ending(local_today(), days), user=staff)
    assert {f.key: f.value for f in section.figures}["conversations"] == 122


def test_facts_that_go_take_their_counts_with_them(agents):
    """Asked on Tuesday 10, marked as spam on Wednesday 11: recomputing the
    11th empties the 10th and its week."""
    question = conversation(Network.X, ("customer", at("2026-11-10 10:00"), None))
    recompute(date(2026, 11, 10))
    assert len(_channel_rows(7, MONDAY)) == 2
    Question.objects.filter(pk=question.pk).update(
        status=Question.Status.CLOSED, close_reason=Question.CloseReason.SPAM, waiting_since=at("2026-11-11 09:00")
    )
    recompute(date(2026, 11, 11))
    assert _channel_rows(1, date(2026, 11, 10)) == [] and _channel_rows(7, MONDAY) == []
