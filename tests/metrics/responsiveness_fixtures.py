"""Conversations with hand-picked timestamps for the responsiveness tests:
rows written as the services would leave them (state, waiting_since), at the
instants the tests compute their expectations from."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from qa.models import Message, Question


def at(text: str, zone: str | None = None) -> datetime:
    """'2026-11-20 17:50' in the support time zone (or `zone`)."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone or settings.SUPPORT_TIME_ZONE))


def conversation(source: str, *events, closed: tuple[str, datetime] | None = None) -> Question:
    """events: ("customer" | "reply" | "note", when, author). The first is the customer's opening."""
    opened = events[0][1]
    status = Question.Status.NEW
    waiting_since = opened
    for kind, when, _author in events[1:]:
        if kind == "reply" and status != Question.Status.WAITING_CUSTOMER:
            status, waiting_since = Question.Status.WAITING_CUSTOMER, when
        elif kind == "customer" and status == Question.Status.WAITING_CUSTOMER:
            status, waiting_since = Question.Status.WAITING_US, when
    close_reason = ""
    if closed:
        status, waiting_since = Question.Status.CLOSED, closed[1]
        close_reason = closed[0]
    question = Question.objects.create(
        title="Where is my parcel?",
        body="It has not arrived.",
        source=source,
        status=status,
        close_reason=close_reason,
        created_at=opened,
        waiting_since=waiting_since,
    )
    for kind, when, author in events:
        Message.objects.create(
            question=question,
            kind=kind,
            author=author,
            body="…",
            is_public=kind == "reply",
            channel=source,
            created_at=when,
        )
    return question
