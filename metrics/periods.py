"""The period a metrics page shows, and the one before it to compare with.

A period is a run of whole days, local to SUPPORT_TIME_ZONE (the team's own
calendar: "today" ends at the team's midnight, not UTC's)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from conversations.support_hours import support_zone

# The longest period a page may show: a year and a day (a leap year).
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date  # inclusive

    def __post_init__(self):
        if self.last_day < self.first_day:
            raise ValueError("A period cannot end before it starts.")
        if self.length > MAX_DAYS:
            raise ValueError(f"A period is at most {MAX_DAYS} days.")

    @property
    def length(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def days(self) -> Iterator[date]:
        for offset in range(self.length):
            yield self.first_day + timedelta(days=offset)

    def weeks(self) -> dict[date, list[date]]:
        """The period's days by week (Monday to Sunday), keyed by the week's Monday,
        in order: the first and the last week may hold only some of their days."""
        weeks: dict[date, list[date]] = {}
        for day in self.days():
            weeks.setdefault(week_monday(day), []).append(day)
        return weeks

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        last = self.first_day - timedelta(days=1)
        return Period(last - timedelta(days=self.length - 1), last)

    @property
    def start(self) -> datetime:
        """The first instant of the period (aware, in the support time zone)."""
        return datetime.combine(self.first_day, time.min, tzinfo=support_zone())

    @property
    def end(self) -> datetime:
        """The instant after the period (exclusive bound)."""
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=support_zone())


def week_monday(day: date) -> date:
    """The Monday of a day's week: the metrics group and label weeks by it."""
    return day - timedelta(days=day.weekday())


def local_today() -> date:
    return timezone.now().astimezone(support_zone()).date()


def local_day(at: datetime) -> date:
    """The support team's calendar day of an instant."""
    return at.astimezone(support_zone()).date()


def period_ending(last_day: date, days: int) -> Period:
    return Period(last_day - timedelta(days=days - 1), last_day)
