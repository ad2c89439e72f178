"""Reads for the publishing admin: backlog counts, channel health, previews."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q

from publishing import budget
from publishing.channels import registry
from publishing.channels.base import Channel, PublishError
from publishing.models import ChannelState, Delivery, TipChannelSetting

logger = logging.getLogger("publishing.selectors")
# The network's own quota is read at most this often (it is an API call).
NETWORK_QUOTA_CACHE_SECONDS = 60
# A staff page waits at most this long for it.
NETWORK_QUOTA_TIMEOUT_SECONDS = 5


def delivery_backlog_counts() -> dict[str, int]:
    """Pending, held, failed and unknown deliveries, in one query."""
    Status = Delivery.Status
    return Delivery.objects.aggregate(
        pending=Count("pk", filter=Q(status=Status.PENDING)),
        held=Count("pk", filter=Q(status=Status.HELD_BUDGET)),
        failed=Count("pk", filter=Q(status=Status.FAILED)),
        unknown=Count("pk", filter=Q(status=Status.UNKNOWN)),
    )


@dataclass(frozen=True)
class ReconcileCounts:
    """Deliveries whose outcome had to be looked up on the network, by what the look-up concluded."""

    found: int = 0
    resent: int = 0
    unknown: int = 0


@dataclass(frozen=True)
class ChannelHealth:
    channel: Channel
    enabled: bool
    state: ChannelState | None
    reconciled: ReconcileCounts = ReconcileCounts()
    usage: budget.MonthUsage | None = None
    # The network's own monthly quota (LINE), or why it could not be read;
    # None for networks without one.
    network_quota: object | None = None
    network_quota_error: str = ""

    @property
    def needs_reauth(self) -> bool:
        return bool(self.state and self.state.needs_reauth)


def _network_quota(channel: Channel):
    """(quota, error) for a channel that reports one (a `quota()` method), read
    from the network at most once a minute; (None, "") for the others."""
    if not (channel.enabled and hasattr(channel, "quota")):
        return None, ""
    key = f"publishing:network-quota:{channel.kind}"
    cached = cache.get(key)
    if cached is None:
        try:
            cached = (channel.quota(timeout=NETWORK_QUOTA_TIMEOUT_SECONDS), "")
        except PublishError as error:
            logger.warning("Could not read %s's quota: %s", channel.kind, error.message)
            # A network that is down is not asked again on every page view.
            cached = (None, error.message)
        cache.set(key, cached, NETWORK_QUOTA_CACHE_SECONDS)
    return cached


def _reconcile_counts() -> dict[str, ReconcileCounts]:
    Reconciliation = Delivery.Reconciliation
    rows = (
        Delivery.objects.exclude(reconciliation=Reconciliation.NONE)
        .values("channel")
        .annotate(
            found=Count("pk", filter=Q(reconciliation=Reconciliation.FOUND)),
            resent=Count("pk", filter=Q(reconciliation=Reconciliation.RESENT)),
            unknown=Count("pk", filter=Q(reconciliation=Reconciliation.UNKNOWN)),
        )
        .order_by()
    )
    return {
        row["channel"]: ReconcileCounts(found=row["found"], resent=row["resent"], unknown=row["unknown"])
        for row in rows
    }


def channel_health_list() -> list[ChannelHealth]:
    """Every configured channel with its recorded health, how many of its
    deliveries were reconciled with the network, and this month's budget
    (three queries, plus the network's own quota where it has one, cached)."""
    channels = registry.all_channels()
    enabled_kinds = {channel.kind for channel in channels if channel.enabled}
    states = {state.kind: state for state in ChannelState.objects.all()}
    reconciled = _reconcile_counts()
    usage = budget.channel_month_usage([channel.kind for channel in channels], states=states)
    health = []
    for channel in channels:
        quota, quota_error = _network_quota(channel)
        health.append(
            ChannelHealth(
                channel=channel,
                enabled=channel.kind in enabled_kinds,
                state=states.get(channel.kind),
                reconciled=reconciled.get(channel.kind, ReconcileCounts()),
                usage=usage[channel.kind],
                network_quota=quota,
                network_quota_error=quota_error,
            )
        )
    return health


def post_preview(*, tip, kind: str, text_override: str = "") -> dict:
    """What `kind` would receive for `tip`, with the network's own counts
    (e.g. X's weighted length), for the admin's live character counter."""
    channel = registry.get_channel(kind)
    try:
        post = channel.compose(tip, text_override=text_override)
    except PublishError as error:
        return {"ok": False, "error": error.message}
    return {"ok": True, "text": post.text, "link": post.link, "length": len(post.text), "details": post.details}


def tip_text_override(*, tip, kind: str) -> str:
    """Staff's own text for this tip on this channel, or "" for the standard text."""
    setting = TipChannelSetting.objects.filter(tip=tip, channel=kind).only("text_override").first()
    return setting.text_override if setting else ""
