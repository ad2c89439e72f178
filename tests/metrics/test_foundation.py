"""The metrics' foundation: periods, daily counters, roll-ups and their command."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from metrics import rollups
from metrics.models import DailyCount
from metrics.periods import Period, local_day, period_ending
from metrics.report import Chart, Section, Series
from metrics.services import daily_count_add


def test_a_period_and_the_one_before_it():
    period = Period(date(2026, 11, 1), date(2026, 11, 28))
    assert period.length == 28
    assert period.previous() == Period(date(2026, 10, 4), date(2026, 10, 31))
    assert list(period.days())[0] == date(2026, 11, 1) and list(period.days())[-1] == date(2026, 11, 28)
    assert period_ending(date(2026, 11, 28), 7) == Period(date(2026, 11, 22), date(2026, 11, 28))


def test_period_bounds_are_the_support_teams_midnights(settings):
    settings.SUPPORT_TIME_ZONE = "Asia/Tokyo"
    period = Period(date(2026, 11, 24), date(2026, 11, 24))
    assert period.start == datetime(2026, 11, 24, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert period.end == datetime(2026, 11, 25, tzinfo=ZoneInfo("Asia/Tokyo"))
    # 23:30 UTC on the 23rd is already the 24th in Tokyo.
    assert local_day(datetime(2026, 11, 23, 23, 30, tzinfo=ZoneInfo("UTC"))) == date(2026, 11, 24)


@pytest.mark.parametrize("first,last", [(date(2026, 11, 2), date(2026, 11, 1)), (date(2024, 1, 1), date(2025, 1, 5))])
def test_a_period_backwards_or_longer_than_a_year_is_refused(first, last):
    with pytest.raises(ValueError):
        Period(first, last)


@pytest.mark.django_db
def test_daily_counts_add_up_per_day_event_and_key():
    day = date(2026, 11, 20)
    daily_count_add("search", day=day)
    daily_count_add("search", day=day, amount=2)
    daily_count_add("visit", "x", day=day)
    daily_count_add("visit", "facebook", day=day)
    daily_count_add("visit", "x", day=day)
    counts = {(row.event, row.key): row.count for row in DailyCount.objects.filter(day=day)}
    assert counts == {("search", ""): 3, ("visit", "x"): 2, ("visit", "facebook"): 1}


def test_a_charts_table_has_one_row_per_point_and_one_column_per_series():
    chart = Chart(
        key="per-day",
        title="Per day",
        kind="line",
        series=[Series("Web", [("1 Nov", 1), ("2 Nov", 2)]), Series("X", [("1 Nov", 3), ("2 Nov", None)])],
    )
    table = chart.table()
    assert table.columns == ["", "Web", "X"]
    assert table.rows == [["1 Nov", 1, 3], ["2 Nov", 2, None]]
    assert Section(key="s", title="S", charts=[chart]).exportable_tables() == [table]


@pytest.mark.django_db
def test_the_rollup_command_recomputes_each_day_of_the_range(monkeypatch):
    seen = []
    monkeypatch.setattr(rollups, "ROLLUPS", ["tests.metrics.test_foundation.recorded_rollup"])
    monkeypatch.setattr("tests.metrics.test_foundation.SEEN", seen)
    call_command("metrics_rollup", "--from", "2026-11-01", "--to", "2026-11-03")
    assert seen == [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]


@pytest.mark.parametrize("args", [["--from", "yesterday"], ["--from", "2026-11-05", "--to", "2026-11-01"]])
def test_the_rollup_command_refuses_bad_days(args):
    with pytest.raises(CommandError):
        call_command("metrics_rollup", *args)


SEEN: list = []


def recorded_rollup(day):
    SEEN.append(day)
