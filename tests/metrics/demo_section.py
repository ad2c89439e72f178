"""A section of the page frame's own, registered in place of the real ones
(metrics.sections.SECTIONS) by the page tests and the screenshots: one figure
of each unit, a line chart with a gap, a bar chart, a table, a note. It reads
the period's DailyCount rows with one query, like a real section reads a roll-up."""

from django.db.models import Sum

from metrics.models import DailyCount
from metrics.report import Chart, Figure, Section, Series, Table


def build(period, *, user):
    total = DailyCount.objects.filter(
        event="demo.visit", day__gte=period.first_day, day__lte=period.last_day
    ).aggregate(total=Sum("count"))["total"]
    days = [day.strftime("%m-%d") for day in period.days()][:3]
    return Section(
        key="demo",
        title="Demo section",
        notes=["Counted once per day."],
        figures=[
            Figure("visits", "Visits", total, 1000, unit="count"),
            Figure("answered", "Answered within 1 h", 83.5, 80.0, unit="percent"),
            Figure("first_response", "First response (median)", 3900, 4200, unit="seconds", higher_is_better=False),
            Figure("ratio", "Replies per conversation", 1.25, None, unit="number", higher_is_better=None),
        ],
        charts=[
            Chart(
                "per_day",
                "Conversations per day",
                "line",
                [
                    Series("Web", list(zip(days, [3, None, 5], strict=False))),
                    Series("X", list(zip(days, [1, 2, 0], strict=False))),
                ],
            ),
            Chart(
                "by_channel",
                "First response by channel",
                "bar",
                [Series("Median", [("Web", 3600), ("X", None)])],
                unit="seconds",
            ),
        ],
        tables=[
            Table(
                "top",
                "Top searches, with a comma",
                ["Query", "Searches", "Share"],
                [["送料, 沖縄", 1234, 12.5], ["返品", 7, None]],
                ["text", "count", "percent"],
            )
        ],
    )
