"""Monthly budgets per channel: what a channel has posted this month, what that
costs, and the cap that makes due posts wait as "held: budget".

- A month is the calendar month in TIME_ZONE (the site's time zone): it starts
  on the 1st at 00:00 local time. A post counts in the month it was claimed in.
- The count is read from the deliveries themselves (sending, sent or unknown
  rows claimed that month): retries, failures and cancels cost nothing, and no
  counter can drift from the audit trail.
- Two workers cannot both send the last post under the cap: every claim on a
  capped channel locks the channel's ChannelBudgetMonth row, counts, and
  claims in the same transaction (the lock order is always delivery row, then
  budget row; nothing takes them the other way round).
- A row over the cap, or refused by the network's own quota (a channel's
  PublishError with over_budget), is held: never sent, never lost. Staff are
  e-mailed once per channel per month. Raising the cap, a new month, or staff's
  "try again" release held rows oldest first back to `pending` in new drip
  slots; the sweeper then sends them through the normal claim, exactly once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from publishing import notifications
from publishing.models import ChannelBudgetMonth, ChannelState, Delivery
from publishing.scheduling import next_slot

Status = Delivery.Status
Kind = Delivery.ErrorKind


def month_of(moment: dt.datetime) -> dt.date:
    """The first day of `moment`'s month in TIME_ZONE."""
    return timezone.localtime(moment).date().replace(day=1)


def monthly_cap(kind: str, *, state: ChannelState | None = None) -> int | None:
    """Staff's cap for the channel if they set one, else the setting's (None: no cap)."""
    if state is None:
        state = ChannelState.objects.filter(kind=kind).only("monthly_post_cap").first()
    if state is not None and state.monthly_post_cap is not None:
        return state.monthly_post_cap
    return settings.PUBLISHING_MONTHLY_POST_CAPS.get(kind)


def post_price(kind: str, *, has_link: bool) -> Decimal:
    """PUBLISHING_PRICE_WITH_LINK_<KIND> or PUBLISHING_PRICE_WITHOUT_LINK_<KIND> (checked in settings)."""
    prices = settings.PUBLISHING_POST_PRICES.get(kind, {})
    return Decimal(str(prices.get("with_link" if has_link else "without_link", "0")))


# --- The check made by every claim ---------------------------------------------------------------


def _budget_row_locked(kind: str, month: dt.date) -> ChannelBudgetMonth:
    ChannelBudgetMonth.objects.get_or_create(kind=kind, month=month)
    return ChannelBudgetMonth.objects.select_for_update().get(kind=kind, month=month)


def _posts_counted(kind: str, month: dt.date, *, up_to: int) -> int:
    """The channel's posts this month, counted no further than `up_to`: a
    claim reads at most `cap` entries of the (channel, month, status) index,
    and no sort (the model's default ordering would add one)."""
    return Delivery.objects.counted_in_month(kind=kind, month=month).order_by()[:up_to].count()


def claim_allowed(*, kind: str, month: dt.date) -> bool:
    """Called inside the claim's transaction, with the delivery row locked:
    True when one more post fits the channel's cap this month. On a capped
    channel it locks the month's budget row until the claim commits, so the
    count it read stays true."""
    cap = monthly_cap(kind)
    if cap is None:
        return True
    _budget_row_locked(kind, month)
    return _posts_counted(kind, month, up_to=cap) < cap


def delivery_hold(*, delivery_id: int, kind: str, month: dt.date, error_kind: str, message: str, fence=None) -> bool:
    """pending (or, with `fence`, this claim's sending) -> held_budget, and
    tell staff once this month. Returns whether the row was held."""
    rows = Delivery.objects.filter(pk=delivery_id)
    rows = rows.filter(status=Status.PENDING) if fence is None else rows.filter(status=Status.SENDING, claimed_at=fence)
    held = rows.update(
        status=Status.HELD_BUDGET,
        error_kind=error_kind,
        last_error=message,
        budget_month=month,
        claimed_at=None,
        claimed_by="",
        lease_expires_at=None,
        enqueued_at=None,
        updated_at=timezone.now(),
    )
    if held:
        _alert_staff_once(kind=kind, month=month, message=message)
    return bool(held)


def cap_message(kind: str, cap: int) -> str:
    return f"The channel's monthly cap of {cap} posts is reached; the post waits for a higher cap or the next month."


def _alert_staff_once(*, kind: str, month: dt.date, message: str) -> None:
    ChannelBudgetMonth.objects.get_or_create(kind=kind, month=month)
    first = ChannelBudgetMonth.objects.filter(kind=kind, month=month, alerted_at__isnull=True).update(
        alerted_at=timezone.now()
    )
    if first:
        transaction.on_commit(
            lambda: notifications.staff_channel_budget_reached(kind=kind, month=month, message=message)
        )


# --- Releasing held rows ------------------------------------------------------------------------------


def deliveries_release_held(*, kind: str, retry_network_quota: bool = False) -> list[int]:
    """Put held rows of `kind` back in the queue, oldest first, as far as the
    cap allows this month. Rows held by Tipcast's cap go as soon as there is
    room; rows the network's quota refused go in a new month, or now when
    staff ask (`retry_network_quota`, e.g. after upgrading the plan). Each
    released row gets the next drip slot; the sweeper sends it."""
    now = timezone.now()
    month = month_of(now)
    with transaction.atomic():
        # The same lock as the claims': the count of this month stays true
        # while room is handed out, and two releases do not both hand it out.
        _budget_row_locked(kind, month)
        cap = monthly_cap(kind)
        room = None if cap is None else max(0, cap - _posts_counted(kind, month, up_to=cap))
        if room == 0:
            # Still full (a new month that is full at once included): staff
            # hear about it once this month.
            if Delivery.objects.filter(channel=kind, status=Status.HELD_BUDGET).exists():
                _alert_staff_once(kind=kind, month=month, message=cap_message(kind, cap))
            return []
        eligible = Q(error_kind=Kind.BUDGET_CAP) | Q(budget_month__lt=month)
        if retry_network_quota:
            eligible |= Q(error_kind=Kind.NETWORK_QUOTA)
        held = (
            Delivery.objects.filter(channel=kind, status=Status.HELD_BUDGET)
            .filter(eligible)
            .order_by("scheduled_for", "id")
            .values_list("pk", "purpose")
        )
        rows = list(held if room is None else held[:room])
        ids = [pk for pk, _purpose in rows]
        slot = Delivery.objects.last_post_time(kind)
        for pk, purpose in rows:
            # Oldest first, each tip post in the next drip slot, so a released
            # backlog does not burst onto the network; a reply goes now (a
            # customer is waiting, and it is never part of the drip).
            if purpose == Delivery.Purpose.POST:
                slot = next_slot(kind=kind, now=now, last_post=slot)
            Delivery.objects.filter(pk=pk, status=Status.HELD_BUDGET).update(
                status=Status.PENDING,
                scheduled_for=slot if purpose == Delivery.Purpose.POST else now,
                error_kind=Kind.NONE,
                last_error="",
                budget_month=None,
                updated_at=now,
            )
        if room is not None and len(ids) == room and held.exclude(pk__in=ids).exists():
            _alert_staff_once(kind=kind, month=month, message=cap_message(kind, cap))
    return ids


def deliveries_release_all_held() -> dict[str, list[int]]:
    """The sweeper's part: for every channel with held rows, release what the
    cap and the month now allow."""
    kinds = Delivery.objects.filter(status=Status.HELD_BUDGET).values_list("channel", flat=True).distinct()
    released = {kind: deliveries_release_held(kind=kind) for kind in kinds.order_by("channel")}
    return {kind: ids for kind, ids in released.items() if ids}


@transaction.atomic
def channel_set_monthly_cap(*, kind: str, cap: int | None) -> list[int]:
    """Staff set (or, with None, clear back to the setting) the channel's
    monthly cap; held rows that now fit are released at once."""
    ChannelState.objects.get_or_create(kind=kind)
    ChannelState.objects.filter(kind=kind).update(monthly_post_cap=cap, updated_at=timezone.now())
    return deliveries_release_held(kind=kind)


# --- What staff see -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthUsage:
    month: dt.date
    posts: int
    posts_with_link: int
    held: int
    cap: int | None
    cap_from_staff: bool
    estimated_spend: Decimal
    currency: str

    @property
    def remaining(self) -> int | None:
        return None if self.cap is None else max(0, self.cap - self.posts)


def channel_month_usage(kinds: list[str], *, states: dict[str, ChannelState], now=None) -> dict[str, MonthUsage]:
    """This month's posts, spend estimate, cap and held rows per channel, in
    one query."""
    month = month_of(now or timezone.now())
    counted = Q(budget_month=month, status__in=[Status.SENDING, Status.SENT, Status.UNKNOWN])
    rows = {
        row["channel"]: row
        for row in Delivery.objects.filter(channel__in=kinds)
        .filter(counted | Q(status=Status.HELD_BUDGET))
        .values("channel")
        .annotate(
            posts=Count("pk", filter=counted),
            with_link=Count("pk", filter=counted & Q(post_has_link=True)),
            held=Count("pk", filter=Q(status=Status.HELD_BUDGET)),
        )
        .order_by()
    }
    usage = {}
    for kind in kinds:
        row = rows.get(kind, {"posts": 0, "with_link": 0, "held": 0})
        state = states.get(kind)
        spend = row["with_link"] * post_price(kind, has_link=True) + (row["posts"] - row["with_link"]) * post_price(
            kind, has_link=False
        )
        usage[kind] = MonthUsage(
            month=month,
            posts=row["posts"],
            posts_with_link=row["with_link"],
            held=row["held"],
            cap=monthly_cap(kind, state=state or ChannelState(kind=kind)),
            cap_from_staff=bool(state and state.monthly_post_cap is not None),
            estimated_spend=spend,
            currency=settings.PUBLISHING_PRICE_CURRENCY,
        )
    return usage
