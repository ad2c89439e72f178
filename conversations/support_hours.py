"""When the support team is on duty (seed 001: the same hours as the call centre).

The weekly schedule (SupportHours rows) and the holidays (SupportHoliday) are
read in settings.SUPPORT_TIME_ZONE. Each local opening period is turned into
an interval of real (UTC) time before anything is added up, so a day on which
the clocks change is as long as it really was. Everything here reads; staff
edit the schedule in the admin.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from conversations.models import SupportHoliday, SupportHours

# next_opening looks this far ahead; a schedule whose every day is a holiday
# for longer than this has no next opening.
_LOOKAHEAD_DAYS = 400
_AROUND_THE_CLOCK = [(time(0), time(0))]


@dataclass(frozen=True)
class Schedule:
    """The opening periods per weekday (0 = Monday), local times, and the
    holidays between two dates, read once per call."""

    periods: dict[int, list[tuple[time, time]]]
    holidays: frozenset[date]
    zone: ZoneInfo

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's opening periods as aware UTC intervals, sorted, overlaps merged."""
        if day in self.holidays:
            return []
        intervals = []
        for opens, closes in self.periods.get(day.weekday(), _AROUND_THE_CLOCK if not self.periods else []):
            start = datetime.combine(day, opens, tzinfo=self.zone).astimezone(UTC)
            end_day = day + timedelta(days=1) if closes == time(0) else day
            end = datetime.combine(end_day, closes, tzinfo=self.zone).astimezone(UTC)
            if end > start:
                intervals.append((start, end))
        intervals.sort()
        merged: list[tuple[datetime, datetime]] = []
        for start, end in intervals:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged


def support_zone() -> ZoneInfo:
    return ZoneInfo(settings.SUPPORT_TIME_ZONE)


def schedule_load(first_day: date, last_day: date) -> Schedule:
    """The weekly schedule and the holidays from first_day to last_day (two queries)."""
    periods: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for row in SupportHours.objects.all():
        periods[row.weekday].append((row.opens, row.closes))
    holidays = frozenset(
        SupportHoliday.objects.filter(date__range=(first_day, last_day)).values_list("date", flat=True)
    )
    return Schedule(periods=dict(periods), holidays=holidays, zone=support_zone())


def _local_day(at: datetime, zone: ZoneInfo) -> date:
    return at.astimezone(zone).date()


def on_duty(at: datetime) -> bool:
    """True when `at` (aware) falls inside an opening period."""
    zone = support_zone()
    day = _local_day(at, zone)
    # A period that closes at midnight belongs to the day before.
    schedule = schedule_load(day - timedelta(days=1), day)
    return any(
        start <= at < end for check in (day - timedelta(days=1), day) for start, end in schedule.intervals_on(check)
    )


def next_opening(at: datetime) -> datetime | None:
    """`at` itself when the team is on duty, else the start of the next
    opening period (aware, UTC); None when none begins within 400 days."""
    zone = support_zone()
    first = _local_day(at, zone) - timedelta(days=1)
    schedule = schedule_load(first, first + timedelta(days=_LOOKAHEAD_DAYS))
    for offset in range(_LOOKAHEAD_DAYS + 1):
        for start, end in schedule.intervals_on(first + timedelta(days=offset)):
            if start <= at < end:
                return at
            if start > at:
                return start
    return None


def support_time_between(start: datetime, end: datetime, *, schedule: Schedule | None = None) -> timedelta:
    """Time between two aware instants that lies inside support hours
    (weekends without hours and holidays count nothing). Zero when end is not
    after start. One pass over the local days in between.

    `schedule`: one already loaded (schedule_load) for a range covering the day
    before `start` to `end`, so that a caller measuring many intervals (the
    metrics' roll-up) reads the schedule once instead of twice per interval."""
    if end <= start:
        return timedelta(0)
    zone = support_zone()
    first, last = _local_day(start, zone) - timedelta(days=1), _local_day(end, zone)
    if schedule is None:
        schedule = schedule_load(first, last)
    total = timedelta(0)
    day = first
    while day <= last:
        for opens, closes in schedule.intervals_on(day):
            overlap = min(closes, end) - max(opens, start)
            if overlap > timedelta(0):
                total += overlap
        day += timedelta(days=1)
    return total


@dataclass(frozen=True)
class SupportStatus:
    """What the inbox shows: on duty, or when the team is back."""

    on_duty: bool
    back_at: datetime | None

    @property
    def label(self) -> str:
        if self.on_duty:
            return _("On duty")
        if self.back_at is None:
            return _("Off duty")
        local = self.back_at.astimezone(support_zone())
        # A date format per language: "Tue 24 Nov 09:00", "11月24日(火) 09:00".
        when = formats.date_format(local, pgettext("support hours: when the team is back", "D j M H:i"))
        return _("Off duty, back %(when)s (%(zone)s)") % {"when": when, "zone": local.tzname()}


def support_status(now: datetime) -> SupportStatus:
    """For the inbox's header: on duty now, or off duty and back at … ."""
    opening = next_opening(now)
    return SupportStatus(on_duty=opening == now, back_at=None if opening == now else opening)
