"""The responsiveness roll-up's second step: the ResponseTime facts counted
per day and per week (metrics.responsiveness_models.ResponseCount), which is
what the section reads.

`response_counts_recompute(days)` rebuilds the rows of those days from their
facts, then the rows of their weeks from the days' rows: running it twice, or
for any past day, gives the same rows. The facts roll-up calls it, in the
same transaction, with every day whose facts changed (a reply today changes
the first-response fact of the day the customer wrote, maybe last week) and
with the day it recomputes, so the counts always add up to the facts. The
sums are done by the database (INSERT ... SELECT), a few hundred rows a day."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import connection, transaction

from metrics.periods import week_monday
from metrics.responsiveness_models import ChannelResponseCount, ResponseCount, ResponseTime, StaffResponseCount

WALL, SUPPORT = ResponseCount.Clock.WALL.value, ResponseCount.Clock.SUPPORT.value
FIRST = ResponseTime.Kind.FIRST.value
FACTS = ResponseTime._meta.db_table

# Per family of counts: the columns it is grouped by besides the span, the
# clock and the bucket, and which facts it counts on each clock (SQL; the
# kind is this module's constant, not user input).
ANSWERED_FIRST = f"kind = '{FIRST}' AND ended_at IS NOT NULL"
FAMILIES = [
    (ChannelResponseCount, ["kind", "channel"], {WALL: "", SUPPORT: f"kind = '{FIRST}'"}),
    (StaffResponseCount, ["responder_id"], {WALL: ANSWERED_FIRST, SUPPORT: ANSWERED_FIRST}),
]


def _day_statement(model, columns: list[str], conditions: dict[str, str]) -> str:
    """One day's rows of a family from the facts; parameters: (day, its Monday, day) per clock."""
    grouped = ", ".join(columns)
    parts = [
        f"SELECT 1, %s, %s, {grouped}, '{clock}', {clock}_bucket, COUNT(*), COALESCE(SUM({clock}_seconds), 0) "
        f"FROM {FACTS} WHERE day = %s{' AND ' + condition if condition else ''} GROUP BY {grouped}, {clock}_bucket"
        for clock, condition in conditions.items()
    ]
    return (
        f"INSERT INTO {model._meta.db_table} (span, first_day, week, {grouped}, clock, bucket, waits, seconds) "
        + " UNION ALL ".join(parts)
    )


def _week_statement(model, columns: list[str]) -> str:
    """One week's rows of a family from its days' rows; parameters: its Monday and Sunday."""
    grouped = ", ".join(columns)
    table = model._meta.db_table
    return (
        f"INSERT INTO {table} (span, first_day, week, {grouped}, clock, bucket, waits, seconds) "
        f"SELECT 7, week, week, {grouped}, clock, bucket, SUM(waits), SUM(seconds) FROM {table} "
        f"WHERE span = 1 AND first_day BETWEEN %s AND %s GROUP BY week, {grouped}, clock, bucket"
    )


def response_counts_recompute(days: Iterable[date]) -> None:
    days = sorted(set(days))
    if not days:
        return
    weeks = sorted({week_monday(day) for day in days})
    with transaction.atomic(), connection.cursor() as cursor:
        for model, columns, conditions in FAMILIES:
            model.objects.filter(span=1, first_day__in=days).delete()
            model.objects.filter(span=7, first_day__in=weeks).delete()
            by_day = _day_statement(model, columns, conditions)
            for day in days:
                cursor.execute(by_day, [day, week_monday(day), day] * len(conditions))
            by_week = _week_statement(model, columns)
            for week in weeks:
                cursor.execute(by_week, [week, week + timedelta(days=6)])


def weeks_of(first_day: date, last_day: date) -> tuple[date, date] | None:
    """The Mondays of the first and the last whole week (Monday to Sunday)
    between the two days, or None when no whole week fits."""
    first_monday = week_monday(first_day + timedelta(days=6))
    last_monday = week_monday(last_day + timedelta(days=1)) - timedelta(days=7)
    return (first_monday, last_monday) if first_monday <= last_monday else None
