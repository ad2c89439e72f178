"""The responsiveness roll-up: rebuilds the ResponseTime facts
(metrics.responsiveness_models) of conversations from their messages.

`recompute(day)` takes the conversations whose state last changed on that day
(their `waiting_since`, indexed): every customer message that opens a wait,
every staff reply that ends one and every closing moves it, so beat's hourly
recompute of yesterday and today catches every conversation that moved, and
`manage.py metrics_rollup --from ... --to ...` over a range rebuilds every
conversation last touched in it. Each conversation's facts are rebuilt whole
from its messages, so running it twice, or later, gives the same rows. Then
the counts the section reads (metrics.responsiveness_counts) are rebuilt for
the day and for every day whose facts changed, in the same transaction.

Support-hours seconds are computed here, once, with the schedule read once
per batch; a page view only adds up stored numbers. After today's facts, the
section's figures for the usual periods are computed and cached, so that the
first page view after beat's roll-up does not pay for them either."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from uuid import uuid4

from django.core.cache import cache
from django.db import transaction

from conversations.support_hours import schedule_load, support_time_between
from metrics.periods import Period, local_day, local_today
from metrics.responsiveness_counts import response_counts_recompute
from metrics.responsiveness_models import ResponseTime
from metrics.responsiveness_stats import bucket_of
from qa.models import Message, Question

BATCH = 500
GENERATION_KEY = "metrics:responsiveness:generation"
# Conversations closed as spam or ignored owed nobody an answer: no facts.
EXCLUDED_CLOSE_REASONS = (Question.CloseReason.SPAM, Question.CloseReason.IGNORED)
Kind = ResponseTime.Kind


def recompute(day: date) -> None:
    period = Period(day, day)
    # Every state in the filter lets the database walk the (status, waiting_since) index.
    ids = list(
        Question.objects.filter(
            status__in=Question.Status.values, waiting_since__gte=period.start, waiting_since__lt=period.end
        ).values_list("pk", flat=True)
    )
    response_times_rebuild(ids, also_count=[day])
    if day == local_today():
        # Beat recomputes yesterday, then today: the facts are now current.
        from metrics.sections.responsiveness import cache_warm  # the section imports this module

        cache_warm(day)


def response_times_rebuild(question_ids: Iterable[int], also_count: Iterable[date] = ()) -> int:
    """Replace the facts of these conversations with ones measured from their
    messages now, and the counts of the days whose facts changed (and of the
    days `also_count`); returns the number of facts written."""
    ids = list(question_ids)
    written, days = 0, set(also_count)
    # One transaction: facts written without their counts would look unchanged to the next rebuild,
    # which would then leave those days' counts stale.
    with transaction.atomic():
        for offset in range(0, len(ids), BATCH):
            written += _rebuild_batch(ids[offset : offset + BATCH], days)
        response_counts_recompute(days)
    if days:
        # The section's cached figures were read from the counts replaced here.
        cache.set(GENERATION_KEY, uuid4().hex, timeout=None)
    return written


def facts_generation() -> str:
    """Changes whenever facts are rebuilt (and when the cache lost it): part
    of the key the section caches its figures under."""
    return cache.get_or_set(GENERATION_KEY, uuid4().hex, timeout=None)


# What makes two facts the same: compared before and after a rebuild.
FACT_FIELDS = (
    "question_id", "kind", "day", "channel", "responder_id", "started_at", "ended_at",
    "wall_seconds", "support_seconds", "wall_bucket", "support_bucket",
)  # fmt: skip


def _rebuild_batch(ids: list[int], days: set[date]) -> int:
    """Rebuild the facts of these conversations; adds to `days` the days of
    the facts that changed (gone, new or different), whose counts are stale."""
    questions = Question.objects.filter(pk__in=ids).only(
        "pk", "source", "status", "close_reason", "created_at", "waiting_since"
    )
    messages = defaultdict(list)
    for question_id, kind, author_id, at in (
        Message.objects.filter(question_id__in=ids)
        .exclude(kind=Message.Kind.NOTE)
        .order_by("question_id", "created_at", "id")
        .values_list("question_id", "kind", "author_id", "created_at")
    ):
        messages[question_id].append((kind, author_id, at))
    facts = []
    for question in questions:
        if question.status == Question.Status.CLOSED and question.close_reason in EXCLUDED_CLOSE_REASONS:
            continue
        facts.extend(_facts_of(question, messages.get(question.pk, [])))
    _measure_support_time(facts)
    with transaction.atomic():
        replaced = ResponseTime.objects.filter(question_id__in=ids)
        before = set(replaced.values_list(*FACT_FIELDS))
        replaced.delete()
        ResponseTime.objects.bulk_create(facts)
    after = {tuple(getattr(fact, name) for name in FACT_FIELDS) for fact in facts}
    # A rebuild mostly writes the facts it deleted: only the others' days need new counts.
    day_index = FACT_FIELDS.index("day")
    days.update(fact[day_index] for fact in before ^ after)
    return len(facts)


def _facts_of(question: Question, messages: list) -> list[ResponseTime]:
    """Walk the conversation: a customer message opens a wait unless one is
    open; a staff reply ends the open wait (a reply while none is open, such as
    a second reply, ends nothing)."""
    facts, waiting_since, answered = [], None, False

    def fact(kind, started, ended=None, responder_id=None):
        return ResponseTime(
            question_id=question.pk,
            kind=kind,
            day=local_day(ended if kind == Kind.RESOLUTION else started),
            channel=question.source,
            responder_id=responder_id,
            started_at=started,
            ended_at=ended,
        )

    for kind, author_id, at in messages:
        if kind == Message.Kind.CUSTOMER:
            if waiting_since is None:
                waiting_since = at
        elif kind == Message.Kind.REPLY and waiting_since is not None:
            facts.append(fact(Kind.FOLLOW_UP if answered else Kind.FIRST, waiting_since, at, author_id))
            waiting_since, answered = None, True
    if waiting_since is not None:
        facts.append(fact(Kind.FOLLOW_UP if answered else Kind.FIRST, waiting_since))
    if question.status == Question.Status.CLOSED and question.close_reason == Question.CloseReason.RESOLVED:
        facts.append(fact(Kind.RESOLUTION, question.created_at, max(question.waiting_since, question.created_at)))
    return facts


def _measure_support_time(facts: list[ResponseTime]) -> None:
    ended = [fact for fact in facts if fact.ended_at is not None]
    if not ended:
        return
    # One schedule for the whole batch: from the day before the earliest start to the latest end.
    schedule = schedule_load(
        min(local_day(fact.started_at) for fact in ended) - timedelta(days=1),
        max(local_day(fact.ended_at) for fact in ended),
    )
    for fact in ended:
        fact.wall_seconds = max(0, int((fact.ended_at - fact.started_at).total_seconds()))
        fact.support_seconds = int(
            support_time_between(fact.started_at, fact.ended_at, schedule=schedule).total_seconds()
        )
        fact.wall_bucket = bucket_of(fact.wall_seconds)
        fact.support_bucket = bucket_of(fact.support_seconds)
