"""Reads for the publishing admin: backlog counts, channel health, previews."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from publishing.channels import registry
from publishing.channels.base import Channel, PublishError
from publishing.models import ChannelState, Delivery, TipChannelSetting


def delivery_backlog_counts() -> dict[str, int]:
    """Pending, failed and unknown deliveries, in one query."""
    Status = Delivery.Status
    return Delivery.objects.aggregate(
        pending=Count("pk", filter=Q(status=Status.PENDING)),
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

    @property
    def needs_reauth(self) -> bool:
        return bool(self.state and self.state.needs_reauth)


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
    """Every configured channel with its recorded health and how many of its
    deliveries were reconciled with the network (two queries)."""
    enabled_kinds = {channel.kind for channel in registry.enabled_channels()}
    states = {state.kind: state for state in ChannelState.objects.all()}
    reconciled = _reconcile_counts()
    return [
        ChannelHealth(
            channel=channel,
            enabled=channel.kind in enabled_kinds,
            state=states.get(channel.kind),
            reconciled=reconciled.get(channel.kind, ReconcileCounts()),
        )
        for channel in registry.all_channels()
    ]


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
