"""The responsiveness section's breakdowns: conversations per day, the first
response by channel, by staff member and by week (a chart and a table each),
the live backlog by time waited, and how a histogram of waits is read into
the numbers they show. metrics.sections.responsiveness puts them together
with the headline figures."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conversations.compose import staff_display_name
from conversations.models import Network
from metrics import responsiveness_selectors as selectors
from metrics.formatting import day_label
from metrics.periods import Period
from metrics.report import Chart, Series, Table
from metrics.responsiveness_models import ResponseTime
from metrics.responsiveness_stats import WITHIN_DAY, WITHIN_HOUR, Histogram

Kind = ResponseTime.Kind
FIRST, FOLLOW_UP, RESOLUTION = Kind.FIRST.value, Kind.FOLLOW_UP.value, Kind.RESOLUTION.value

BACKLOG_LABELS = {
    "lt_1h": gettext_lazy("< 1 h"),
    "1h_4h": gettext_lazy("1–4 h"),
    "4h_24h": gettext_lazy("4–24 h"),
    "1d_3d": gettext_lazy("1–3 days"),
    "gt_3d": gettext_lazy("> 3 days"),
}


def median(histogram: Histogram | None) -> int | None:
    return _rounded(histogram.percentile(50)) if histogram else None


def p90(histogram: Histogram | None) -> int | None:
    return _rounded(histogram.percentile(90)) if histogram else None


def _rounded(value: float | None) -> int | None:
    return None if value is None else round(value)


def share(histogram: Histogram | None, limit: int) -> float | None:
    within = histogram.share_within(limit) if histogram else None
    return None if within is None else round(within, 1)


def histograms_total(histograms: dict[tuple, Histogram], current: bool, kind: str, channel=None) -> Histogram:
    """One histogram adding up the groups (current, kind, channel) of the period
    (`current`) or the one before, of one kind of wait, on one channel or all."""
    total = Histogram()
    for key, histogram in histograms.items():
        if key[0] == current and key[1] == kind and channel in (None, key[2]):
            total.merge(histogram)
    return total


def clock_names() -> tuple[str, str]:
    """The two clocks a wait is measured with, as a chart's series name them."""
    return _("Wall clock"), _("Support hours")


def per_day_chart(period: Period) -> Chart:
    counts = selectors.conversations_per_day(period)
    labels = [(day, day_label(day)) for day in period.days()]
    series = [
        Series(str(label), [(text, counts.get((day, channel), 0)) for day, text in labels])
        for channel, label in Network.choices
    ]
    return Chart("conversations_per_day", _("Conversations per day"), "line", series, "count")


def by_channel_chart(wall, support) -> Chart:
    labels = [(channel, str(label)) for channel, label in Network.choices]
    return Chart(
        "first_response_by_channel",
        _("Median first response by channel"),
        "bar",
        [
            Series(name, [(label, median(histograms_total(clock, True, FIRST, channel))) for channel, label in labels])
            for name, clock in zip(clock_names(), (wall, support), strict=True)
        ],
        "seconds",
    )


def backlog_chart(backlog) -> Chart:
    return Chart(
        "backlog_by_age",
        _("Waiting on us now, by time waited"),
        "bar",
        [
            Series(
                str(label),
                [
                    (str(BACKLOG_LABELS[key]), backlog.get(channel, {}).get(key, 0))
                    for key, _upper in selectors.BACKLOG_AGES
                ],
            )
            for channel, label in Network.choices
        ],
        "count",
    )


# The units of _timing_cells, column by column.
TIMING_UNITS = ["count", "seconds", "seconds", "percent", "percent", "seconds", "percent"]


def _timing_cells(histogram: Histogram, support: Histogram) -> list:
    return [
        histogram.total,
        median(histogram),
        p90(histogram),
        share(histogram, WITHIN_HOUR),
        share(histogram, WITHIN_DAY),
        median(support),
        share(support, WITHIN_HOUR),
    ]


def _timing_columns(first: str) -> list[str]:
    return [
        first,
        _("Median"),
        _("90th percentile"),
        _("Within 1 h"),
        _("Within 24 h"),
        _("Median in support hours"),
        _("Within 1 support hour"),
    ]


def by_channel_table(wall, support) -> Table:
    rows = []
    for channel, label in Network.choices:
        first = histograms_total(wall, True, FIRST, channel)
        resolved = histograms_total(wall, True, RESOLUTION, channel)
        follow_up = histograms_total(wall, True, FOLLOW_UP, channel)
        rows.append(
            [str(label)]
            + _timing_cells(first, histograms_total(support, True, FIRST, channel))
            + [first.unanswered, median(follow_up), resolved.total, median(resolved)]
        )
    return Table(
        "by_channel",
        _("First response by channel"),
        [_("Channel")]
        + _timing_columns(_("Conversations"))
        + [_("Not answered yet"), _("Follow-ups, median"), _("Resolved"), _("Resolution, median")],
        rows,
        ["text"] + TIMING_UNITS + ["count", "seconds", "count", "seconds"],
    )


def by_staff_table(period: Period) -> Table:
    counts = selectors.staff_counts_in(period)
    wall = selectors.response_histograms(counts, ["responder"])
    support = selectors.response_histograms(counts, ["responder"], selectors.SUPPORT)
    people = selectors.staff_members(key[0] for key in wall)
    rows = []
    for (responder,), histogram in wall.items():
        person = people.get(responder)
        name = staff_display_name(person) if person else _("No longer on staff")
        rows.append([name] + _timing_cells(histogram, support[(responder,)]))
    # Most first responses first; then by name, so the order is stable.
    rows.sort(key=lambda row: (-row[1], row[0]))
    return Table(
        "by_staff",
        _("First response by staff member"),
        [_("Staff member")] + _timing_columns(_("First responses")),
        rows,
        ["text"] + TIMING_UNITS,
    )


def by_week(period: Period) -> tuple[Chart, Table]:
    """Weeks (labelled with their Monday) that the period touches."""
    counts = selectors.counts_in(period, FIRST, RESOLUTION)
    wall = selectors.response_histograms(counts, ["kind", "week"])
    support = selectors.response_histograms(counts.filter(kind=FIRST), ["week"], selectors.SUPPORT)
    weeks = sorted({key[1] for key in wall} | {key[0] for key in support})
    medians_by_clock: tuple[list, list] = ([], [])
    rows = []
    for week in weeks:
        first, resolved = wall.get((FIRST, week), Histogram()), wall.get((RESOLUTION, week), Histogram())
        in_support = support.get((week,), Histogram())
        label = day_label(week)
        for points, histogram in zip(medians_by_clock, (first, in_support), strict=True):
            points.append((label, median(histogram)))
        rows.append([label] + _timing_cells(first, in_support) + [resolved.total, median(resolved)])
    chart = Chart(
        "first_response_by_week",
        _("Median first response by week"),
        "line",
        [Series(name, points) for name, points in zip(clock_names(), medians_by_clock, strict=True)],
        "seconds",
    )
    table = Table(
        "by_week",
        _("First response by week (weeks start on Monday)"),
        [_("Week")] + _timing_columns(_("Conversations")) + [_("Resolved"), _("Resolution, median")],
        rows,
        ["text"] + TIMING_UNITS + ["count", "seconds"],
    )
    return chart, table
