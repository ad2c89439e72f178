"""The responsiveness roll-up (facts rebuilt from messages), the live
backlog, and the section's fixed number of queries."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from conversations import services as conversation_services
from conversations.models import Network
from metrics.periods import Period, local_today
from metrics.responsiveness_models import ResponseTime
from metrics.responsiveness_rollup import recompute
from metrics.rollups import ROLLUPS, rollups_recompute, rollups_recompute_recent
from metrics.sections import SECTIONS
from metrics.sections.responsiveness import build
from qa.models import Question
from tests.metrics.responsiveness_fixtures import at, conversation

pytestmark = pytest.mark.django_db


def _facts():
    return sorted(
        ResponseTime.objects.values_list(
            "question_id", "kind", "day", "channel", "responder_id", "started_at", "ended_at",
            "wall_seconds", "support_seconds", "wall_bucket", "support_bucket",
        )
    )  # fmt: skip


def test_registered_as_a_rollup_and_a_section():
    assert "metrics.responsiveness_rollup.recompute" in ROLLUPS
    assert SECTIONS[0] == "metrics.sections.responsiveness.build"


def test_a_reopened_conversation_through_the_services(make_question, staff):
    """Asked, answered, the customer writes again, answered again, resolved:
    one first response, one response to the follow-up, one resolution."""
    question = make_question()
    conversation_services.conversation_note(question=question, author=staff, body="Checking with the warehouse.")
    conversation_services.conversation_reply(question=question, author=staff, body="It left today.", is_public=False)
    conversation_services.conversation_follow_up(question=question, author=question.asker, body="Still nothing.")
    conversation_services.conversation_reply(question=question, author=staff, body="Sorry: tomorrow.")
    conversation_services.conversations_close(questions=[question], reason=Question.CloseReason.RESOLVED)
    rollups_recompute_recent()
    facts = {fact.kind: fact for fact in ResponseTime.objects.all()}
    assert sorted(facts) == ["first", "follow_up", "resolution"]
    assert facts["first"].responder == staff and facts["first"].ended_at is not None
    assert facts["follow_up"].day == local_today()
    # No support hours set: around the clock, so both clocks agree.
    assert all(fact.support_seconds == fact.wall_seconds for fact in facts.values())

    # Reopened once more: the new wait is open until the next reply.
    question.refresh_from_db()
    conversation_services.conversation_follow_up(question=question, author=question.asker, body="And now?")
    recompute(local_today())
    waits = ResponseTime.objects.filter(kind=ResponseTime.Kind.FOLLOW_UP).order_by("started_at")
    assert [fact.ended_at is None for fact in waits] == [False, True]
    assert not ResponseTime.objects.filter(kind=ResponseTime.Kind.RESOLUTION).exists()  # no longer resolved


def test_marked_as_spam_later_its_facts_go(make_question, staff):
    question = make_question()
    recompute(local_today())
    assert ResponseTime.objects.filter(question=question).count() == 1
    conversation_services.conversations_close(questions=[question], reason=Question.CloseReason.SPAM)
    recompute(local_today())
    assert not ResponseTime.objects.filter(question=question).exists()


def test_the_rollup_is_idempotent(settings):
    settings.SUPPORT_TIME_ZONE = "Asia/Tokyo"
    agent = get_user_model().objects.create_user(username="agent", is_staff=True)
    for day in range(1, 10):
        conversation(
            Network.X,
            ("customer", at(f"2026-11-{day:02} 10:00"), None),
            ("reply", at(f"2026-11-{day + 1:02} 09:{day:02}"), agent),
            ("customer", at(f"2026-11-{day + 1:02} 12:00"), None),
        )
    rollups_recompute(date(2026, 11, 1), date(2026, 11, 12))
    first = _facts()
    assert len(first) == 18
    rollups_recompute(date(2026, 11, 1), date(2026, 11, 12))
    rollups_recompute(date(2026, 11, 5), date(2026, 11, 5))
    assert _facts() == first


def test_backlog_now_by_age_and_channel(settings, staff):
    now = timezone.now()
    ages = {
        Network.WEB: [timedelta(minutes=10), timedelta(hours=2), timedelta(hours=2)],
        Network.X: [timedelta(hours=5), timedelta(days=2), timedelta(days=4)],
    }
    for source, waits in ages.items():
        for wait in waits:
            conversation(source, ("customer", now - wait, None))
    # Answered ones are not waiting on us.
    conversation(Network.WEB, ("customer", now - timedelta(days=5), None), ("reply", now - timedelta(days=4), staff))
    section = build(Period(local_today(), local_today()), user=staff)
    chart = next(chart for chart in section.charts if chart.key == "backlog_by_age")
    assert chart.table().rows == [
        ["< 1 h", 1, 0, 0, 0],
        ["1–4 h", 2, 0, 0, 0],
        ["4–24 h", 0, 1, 0, 0],
        ["1–3 days", 0, 1, 0, 0],
        ["> 3 days", 0, 1, 0, 0],
    ]
    assert {figure.key: figure.value for figure in section.figures}["backlog"] == 6


def _many(count: int, staff_members: list, first_day: date):
    channels = [Network.WEB, Network.X, Network.FACEBOOK, Network.FEED]
    for n in range(count):
        opened = at(f"{first_day + timedelta(days=n % 28)} 09:00") + timedelta(minutes=n)
        events = [("customer", opened, None)]
        if n % 11:
            events.append(("reply", opened + timedelta(minutes=7 * n), staff_members[n % len(staff_members)]))
        if n % 3 == 0:
            events.append(("customer", opened + timedelta(hours=30), None))
        conversation(
            channels[n % 4],
            *events,
            closed=(Question.CloseReason.RESOLVED, opened + timedelta(days=2)) if n % 7 == 0 else None,
        )


def test_the_section_runs_a_fixed_number_of_queries(settings, django_assert_num_queries, staff):
    settings.SUPPORT_TIME_ZONE = "Asia/Tokyo"
    period = Period(date(2026, 10, 1), date(2026, 10, 28))
    User = get_user_model()
    team = [User.objects.create_user(username=f"agent{n}", is_staff=True) for n in range(2)]
    _many(6, team, period.first_day)
    rollups_recompute(date(2026, 9, 1), date(2026, 11, 10))
    with django_assert_num_queries(9):
        build(period, user=staff)

    team += [User.objects.create_user(username=f"more{n}", is_staff=True) for n in range(8)]
    _many(400, team, period.first_day)
    _many(200, team, period.previous().first_day)
    rollups_recompute(date(2026, 9, 1), date(2026, 11, 10))
    with django_assert_num_queries(9):
        section = build(period, user=staff)
    assert {figure.key: figure.value for figure in section.figures}["conversations"] == 406
    staff_table = next(table for table in section.tables if table.key == "by_staff")
    assert len(staff_table.rows) == 10


def test_figures_are_cached_until_the_rollup_changes_the_facts(
    settings, django_assert_num_queries, make_question, staff
):
    period = Period(local_today(), local_today())
    make_question()
    recompute(local_today())
    assert {f.key: f.value for f in build(period, user=staff).figures}["conversations"] == 1
    make_question()
    with django_assert_num_queries(1):  # the live backlog only
        section = build(period, user=staff)
    figures = {f.key: f.value for f in section.figures}
    assert (figures["conversations"], figures["backlog"]) == (1, 2)
    recompute(local_today())
    assert {f.key: f.value for f in build(period, user=staff).figures}["conversations"] == 2


def test_the_rollup_of_today_prepares_the_usual_periods(django_assert_num_queries, make_question, staff):
    from django.utils import translation

    from metrics.periods import period_ending

    make_question()
    recompute(local_today())
    for days in (7, 28, 90):
        for language in ("en", "ja"):
            with translation.override(language), django_assert_num_queries(1):
                build(period_ending(local_today(), days), user=staff)
