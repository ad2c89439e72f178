"""Daily roll-ups: numbers a query over raw rows would take longer to compute
as the data grows (first-response times of a day, a day's searches...).

Each roll-up is a function `recompute(day)` that rebuilds its rows for one
day (support time zone) from the raw rows, idempotently: running it twice, or
for any past day, gives the same rows. Beat recomputes yesterday and today
every hour (`metrics.rollup`); `manage.py metrics_rollup --from ... --to ...`
recomputes any range (after an import, or a fix)."""

from datetime import date, timedelta

from django.utils.module_loading import import_string

from metrics.periods import local_today

# Dotted paths of `recompute(day: date) -> None`, added by the sections that need one.
ROLLUPS: list[str] = [
    "metrics.responsiveness_rollup.recompute",  # the responsiveness section
]


def rollups_recompute(first_day: date, last_day: date) -> int:
    """Recompute every roll-up for each day of the range; returns the number of days."""
    functions = [import_string(path) for path in ROLLUPS]
    day, days = first_day, 0
    while day <= last_day:
        for recompute in functions:
            recompute(day)
        day += timedelta(days=1)
        days += 1
    return days


def rollups_recompute_recent() -> int:
    today = local_today()
    return rollups_recompute(today - timedelta(days=1), today)
