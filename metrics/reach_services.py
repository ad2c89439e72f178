"""Reach of tips: collecting what the networks report (beat, metrics.reach_collect).

Each tip post (a sent Delivery of purpose "post") gets a snapshot of its
numbers at one day and at seven days (publishing.PostMetrics), and each
network's follower count is taken once a day (publishing.FollowerSnapshot).

Idempotent: a run takes only what has no snapshot yet, so running it twice
(or two workers at once) reads nothing twice once the first has recorded it.
A failure is recorded on the row and tried again by the next run, within the
age's window: a day-1 snapshot is taken before day 7 (later it would not be a
day-1 number), a day-7 one before day 30 (X serves impressions and link clicks
for posts of the last 30 days only). Calls are batched (X: 100 posts a call),
a rate limit or a refused token stops that network for this run, and X's reads
are counted with the listening reads (conversations.listening.billed_reads_add),
so the listening health page's month and estimate include them."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from conversations.listening import billed_reads_add
from metrics.periods import local_day
from publishing.channels.base import Channel, PostStats, PublishError
from publishing.channels.registry import enabled_channels
from publishing.models import Delivery, FollowerSnapshot, PostMetrics

logger = logging.getLogger(__name__)

# Age of a snapshot -> (earliest, latest) age of the post when it may be taken.
WINDOWS = {
    PostMetrics.Age.DAY_1: (dt.timedelta(days=1), dt.timedelta(days=7)),
    PostMetrics.Age.DAY_7: (dt.timedelta(days=7), dt.timedelta(days=30)),
}
# The most posts one run looks at per network and age (the rest wait for the next run).
MAX_POSTS_PER_RUN = 500
# The ListeningReadMonth kind a network's metric reads are counted under.
READS_KIND = "{kind}_metrics"


@dataclass
class ReachOutcome:
    fetched: int = 0
    failed: int = 0
    followers: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    reads: int = 0


def reach_collect(*, now: dt.datetime | None = None) -> ReachOutcome:
    """One run of beat: follower snapshots, then the post snapshots that are due."""
    now = now or timezone.now()
    outcome = ReachOutcome()
    for channel in enabled_channels():
        if not channel.supports_stats:
            continue
        followers_snapshot_take(channel=channel, now=now, outcome=outcome)
        post_metrics_collect(channel=channel, now=now, outcome=outcome)
    return outcome


def followers_snapshot_take(*, channel: Channel, now: dt.datetime, outcome: ReachOutcome) -> None:
    """Today's follower count of `channel`, unless it is taken already."""
    day = local_day(now)
    if FollowerSnapshot.objects.filter(channel=channel.kind, day=day).exists():
        return
    try:
        answer = channel.fetch_followers()
    except PublishError as error:
        logger.warning("metrics.followers_failed", extra={"channel": channel.kind, "error": error.message})
        outcome.errors.append(f"{channel.kind} followers: {error.message}")
        return
    _count_reads(channel.kind, answer.reads, now, outcome)
    if answer.count is None:  # the network (the console) reports none
        return
    try:
        with transaction.atomic():
            FollowerSnapshot.objects.create(channel=channel.kind, day=day, followers=answer.count, fetched_at=now)
    except IntegrityError:  # another run took it meanwhile
        return
    outcome.followers[channel.kind] = answer.count


def deliveries_due(*, kind: str, age: int, now: dt.datetime) -> list[Delivery]:
    """`kind`'s sent tip posts old enough for their `age` snapshot, still in
    its window, that have none yet (or one to try again), oldest first."""
    earliest, latest = WINDOWS[age]
    done = PostMetrics.objects.filter(age_days=age).exclude(status=PostMetrics.Status.RETRY)
    return list(
        Delivery.objects.filter(
            purpose=Delivery.Purpose.POST,
            status=Delivery.Status.SENT,
            sent_at__lte=now - earliest,
            sent_at__gt=now - latest,
            channel=kind,
        )
        .exclude(remote_id="")
        .exclude(pk__in=done.values("delivery_id"))
        .order_by("sent_at", "pk")
        .only("pk", "remote_id")[:MAX_POSTS_PER_RUN]
    )


def post_metrics_collect(*, channel: Channel, now: dt.datetime, outcome: ReachOutcome) -> None:
    """The due snapshots of `channel`, in batches; a batch that fails as a
    whole (rate limit, credentials) ends the run for this channel."""
    for age in WINDOWS:
        due = deliveries_due(kind=channel.kind, age=age, now=now)
        size = max(channel.stats_batch_size, 1)
        for start in range(0, len(due), size):
            batch = due[start : start + size]
            by_remote = {delivery.remote_id: delivery for delivery in batch}
            try:
                answer = channel.fetch_post_stats(list(by_remote))
            except PublishError as error:
                logger.warning("metrics.post_stats_failed", extra={"channel": channel.kind, "error": error.message})
                outcome.errors.append(f"{channel.kind}: {error.message}")
                for delivery in batch:
                    _record_failure(delivery, age, error, retry=True, outcome=outcome)
                return
            _count_reads(channel.kind, answer.reads, now, outcome)
            for remote_id, delivery in by_remote.items():
                if remote_id in answer.stats:
                    _record_stats(delivery, age, answer.stats[remote_id], now, outcome)
                else:
                    error = answer.errors.get(remote_id) or PublishError("No answer for this post.")
                    _record_failure(delivery, age, error, retry=not error.permanent, outcome=outcome)


def _row(delivery: Delivery, age: int) -> PostMetrics:
    row, _created = PostMetrics.objects.get_or_create(delivery=delivery, age_days=age)
    return row


def _record_stats(delivery: Delivery, age: int, stats: PostStats, now: dt.datetime, outcome: ReachOutcome) -> None:
    PostMetrics.objects.filter(pk=_row(delivery, age).pk).update(
        status=PostMetrics.Status.FETCHED,
        impressions=stats.impressions,
        likes=stats.likes,
        reposts=stats.reposts,
        replies=stats.replies,
        link_clicks=stats.link_clicks,
        fetched_at=now,
        attempts=F("attempts") + 1,
        last_error=stats.note,
        error_code="",
    )
    outcome.fetched += 1


def _record_failure(delivery: Delivery, age: int, error: PublishError, *, retry: bool, outcome) -> None:
    PostMetrics.objects.filter(pk=_row(delivery, age).pk).update(
        status=PostMetrics.Status.RETRY if retry else PostMetrics.Status.FAILED,
        attempts=F("attempts") + 1,
        last_error=error.message,
        error_code=error.code[:64],
    )
    outcome.failed += 1


def _count_reads(kind: str, reads: int, now: dt.datetime, outcome: ReachOutcome) -> None:
    if reads:
        billed_reads_add(kind=READS_KIND.format(kind=kind), reads=reads, at=now)
        outcome.reads += reads
