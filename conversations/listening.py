"""Polling the listening sources: each source's cursor, health and billed reads.

`source_poll(kind=...)` is what beat runs (conversations.poll_source), for a
source kind in settings.CONVERSATION_SOURCE_CLASSES ("x_mentions", ...), for
"feeds" (every enabled feed subscription) or for one feed ("feed:<id>").

A poll claims its ListeningState row first (next_poll_at moves forward by a
lease), so two workers never poll the same source at once and X never bills
the same reads twice. The items a poll brings are stored (ingested) before
its cursor is saved: a worker killed in between reads them again next time,
and ingestion is idempotent. A failed poll keeps the cursor, records the
error and is retried at the next beat (not before the network's Retry-After).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conversations.models import FeedSubscription, ListeningReadMonth, ListeningState, Network
from conversations.sources.base import ListenError, Source
from conversations.sources.feeds import FeedSource

logger = logging.getLogger(__name__)

# Reads of a network's account made outside listening, counted with billed_reads_add
# so this page's month and estimate show them: kind -> (label, network).
OTHER_READERS = {
    # metrics.reach_services: X post metrics (day 1 and 7) and the daily follower count.
    "x_metrics": (gettext_lazy("X post metrics and followers (metrics page)"), Network.X),
}

FEEDS = "feeds"
FEED_PREFIX = "feed:"
# How long a claimed poll keeps others away; a worker killed mid-poll frees
# its source after this.
POLL_LEASE = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class PollOutcome:
    kind: str
    # "ok", "failed", "busy" (another poll holds it, or it waits on Retry-After),
    # "disabled" (no credentials, feed turned off), "unknown" (no such source registered).
    status: str
    stored: int = 0
    error: str = ""


def source_classes() -> dict[str, type[Source]]:
    return {kind: import_string(path) for kind, path in settings.CONVERSATION_SOURCE_CLASSES.items()}


def feed_source(subscription: FeedSubscription) -> FeedSource:
    return FeedSource(
        {
            "subscription_id": subscription.pk,
            "url": subscription.url,
            "title": subscription.title,
            "enabled": subscription.enabled,
        }
    )


def month_start(at: dt.datetime) -> dt.date:
    """The UTC month an instant falls in (X bills by UTC day)."""
    return at.astimezone(dt.UTC).date().replace(day=1)


def feed_kinds_enabled() -> list[str]:
    return [
        f"{FEED_PREFIX}{pk}"
        for pk in FeedSubscription.objects.filter(enabled=True).order_by("pk").values_list("pk", flat=True)
    ]


def source_poll(*, kind: str) -> list[PollOutcome]:
    """Poll one source kind (or every feed) once; see the module's docstring."""
    if kind == FEEDS:
        subscriptions = FeedSubscription.objects.filter(enabled=True).order_by("pk")
        return [
            _poll_one(subscription.source_kind, feed_source(subscription), subscription)
            for subscription in subscriptions
        ]
    if kind.startswith(FEED_PREFIX):
        subscription = FeedSubscription.objects.filter(pk=kind.removeprefix(FEED_PREFIX)).first()
        if subscription is None or not subscription.enabled:
            return [PollOutcome(kind, "disabled")]
        return [_poll_one(kind, feed_source(subscription), subscription)]
    classes = source_classes()
    if kind not in classes:
        # Beat polls every kind the product knows; a network not built or not
        # registered in this deployment is simply not listened to.
        logger.info("listening.unknown_source", extra={"source": kind})
        return [PollOutcome(kind, "unknown")]
    return [_poll_one(kind, classes[kind]())]


def _claim(kind: str, now: dt.datetime) -> ListeningState | None:
    ListeningState.objects.get_or_create(kind=kind)
    claimed = ListeningState.objects.filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now), kind=kind).update(
        next_poll_at=now + POLL_LEASE, last_polled_at=now
    )
    return ListeningState.objects.get(kind=kind) if claimed else None


def _poll_one(kind: str, source: Source, subscription: FeedSubscription | None = None) -> PollOutcome:
    from conversations.ingest import incoming_ingest  # ingestion imports qa; polling need not at import

    if not source.enabled:
        return PollOutcome(kind, "disabled")
    now = timezone.now()
    state = _claim(kind, now)
    if state is None:
        return PollOutcome(kind, "busy")
    try:
        poll = source.poll(cursor=state.cursor)
    except ListenError as error:
        return _record_failure(kind, error.message, retry_after=error.retry_after, needs_reauth=error.needs_reauth)
    except Exception as error:  # a bug or an unexpected answer: shown, retried, never lost
        logger.exception("listening.poll_crashed", extra={"source": kind})
        return _record_failure(kind, _("The poll failed unexpectedly (%(error)s).") % {"error": type(error).__name__})
    if poll.reads:
        billed_reads_add(kind=kind, reads=poll.reads, at=now)
    stored = 0
    try:
        for item in poll.items:
            if incoming_ingest(item=item) is not None:
                stored += 1
    except Exception as error:
        logger.exception("listening.ingest_failed", extra={"source": kind})
        message = _("An item could not be stored (%(error)s); the poll is repeated.") % {"error": type(error).__name__}
        return _record_failure(kind, message, stored=stored)
    _record_success(kind, poll.cursor)
    if subscription is not None and not subscription.title and poll.details.get("title"):
        FeedSubscription.objects.filter(pk=subscription.pk, title="").update(title=poll.details["title"][:200])
    return PollOutcome(kind, "ok", stored=stored)


def billed_reads_add(*, kind: str, reads: int, at: dt.datetime) -> None:
    """Count `reads` more billed reads by `kind` in the UTC month of `at`:
    a source's polls, or another reader of the same account (OTHER_READERS)."""
    month = month_start(at)
    ListeningReadMonth.objects.get_or_create(kind=kind, month=month)
    ListeningReadMonth.objects.filter(kind=kind, month=month).update(reads=F("reads") + reads)


@transaction.atomic
def _record_success(kind: str, cursor: str) -> None:
    ListeningState.objects.filter(kind=kind).update(
        cursor=cursor,
        last_success_at=timezone.now(),
        consecutive_failures=0,
        needs_reauth=False,
        next_poll_at=None,
    )


def _record_failure(
    kind: str, message: str, *, retry_after: float | None = None, needs_reauth: bool = False, stored: int = 0
) -> PollOutcome:
    now = timezone.now()
    logger.warning("listening.poll_failed", extra={"source": kind, "error": message})
    ListeningState.objects.filter(kind=kind).update(
        last_error=message,
        last_error_at=now,
        consecutive_failures=F("consecutive_failures") + 1,
        needs_reauth=needs_reauth,
        # The next beat retries, unless the network asked for a longer wait.
        next_poll_at=now + dt.timedelta(seconds=retry_after) if retry_after else None,
    )
    return PollOutcome(kind, "failed", stored=stored, error=message)


# --- The listening health page --------------------------------------------------------------------


@dataclass(frozen=True)
class SourceHealth:
    kind: str
    label: str
    network: str
    enabled: bool
    state: ListeningState | None
    reads_this_month: int
    estimated_cost: Decimal | None  # None: the network does not bill reads
    subscription: FeedSubscription | None = None


def listening_health(*, now: dt.datetime | None = None) -> list[SourceHealth]:
    """Every configured source and every feed, with its state and this month's reads (three queries)."""
    month = month_start(now or timezone.now())
    states = {state.kind: state for state in ListeningState.objects.all()}
    reads = dict(ListeningReadMonth.objects.filter(month=month).values_list("kind", "reads"))
    rows = []
    for kind, cls in source_classes().items():
        source = cls()
        billed = source.network == Network.X
        count = reads.get(kind, 0)
        rows.append(
            SourceHealth(
                kind=kind,
                label=str(source.label or kind),
                network=source.network,
                enabled=source.enabled,
                state=states.get(kind),
                reads_this_month=count,
                estimated_cost=count * settings.CONVERSATION_X_READ_PRICE if billed else None,
            )
        )
    for kind, (label, network) in OTHER_READERS.items():
        count = reads.get(kind, 0)
        rows.append(
            SourceHealth(
                kind=kind,
                label=str(label),
                network=network,
                enabled=_network_enabled(network),
                state=None,
                reads_this_month=count,
                estimated_cost=count * settings.CONVERSATION_X_READ_PRICE if network == Network.X else None,
            )
        )
    for subscription in FeedSubscription.objects.order_by("title", "url"):
        rows.append(
            SourceHealth(
                kind=subscription.source_kind,
                label=str(subscription),
                network=Network.FEED,
                enabled=subscription.enabled,
                state=states.get(subscription.source_kind),
                reads_this_month=0,
                estimated_cost=None,
                subscription=subscription,
            )
        )
    return rows


def _network_enabled(network: str) -> bool:
    from django.core.exceptions import ImproperlyConfigured

    from publishing.channels.registry import get_channel

    try:
        return get_channel(network).enabled
    except ImproperlyConfigured:  # not registered in this deployment
        return False
