"""The responsiveness section: how fast the team answers, how long
conversations take to resolve, and what is waiting now.

Reads the ResponseTime facts of the roll-up (metrics.responsiveness_rollup)
as histograms grouped in the database, and the live backlog: a fixed number
of queries whatever the number of conversations. The facts change only when
the roll-up runs, so what they give is cached (per period and language) until
it runs again: the next view after a roll-up pays the queries, the others
only the backlog's one. The definitions are in
README (Metrics > Responsiveness) and in the section's notes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.utils import formats, timezone, translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from conversations.compose import staff_display_name
from conversations.models import Network
from metrics import responsiveness_selectors as selectors
from metrics.periods import Period, period_ending
from metrics.report import Chart, Figure, Section, Series, Table
from metrics.responsiveness_models import ResponseTime
from metrics.responsiveness_rollup import facts_generation
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


def day_label(day: date) -> str:
    """A day as the page shows it, in the reader's language (24 Nov, 11月24日)."""
    return formats.date_format(day, "MONTH_DAY_FORMAT")


def _day_labels(days) -> dict[date, str]:
    # Formatting a date reads the language's formats each time: once per day, not per point.
    return {day: day_label(day) for day in days}


def _median(histogram: Histogram | None) -> int | None:
    return _rounded(histogram.percentile(50)) if histogram else None


def _p90(histogram: Histogram | None) -> int | None:
    return _rounded(histogram.percentile(90)) if histogram else None


def _rounded(value: float | None) -> int | None:
    return None if value is None else round(value)


def _share(histogram: Histogram | None, limit: int) -> float | None:
    share = histogram.share_within(limit) if histogram else None
    return None if share is None else round(share, 1)


def _sum(histograms: dict[tuple, Histogram], match) -> Histogram:
    """One histogram adding up every group whose key `match` accepts."""
    total = Histogram()
    for key, histogram in histograms.items():
        if match(key):
            total.merge(histogram)
    return total


def build(period: Period, *, user) -> Section:
    """What the facts say (cached until the roll-up next changes them), and the live backlog."""
    section = _from_facts_cached(period)
    backlog = selectors.backlog_by_age(timezone.now())
    waiting = Figure(
        "backlog", _("Waiting on us now"), sum(sum(ages.values()) for ages in backlog.values()), None, "count", False
    )
    return replace(section, figures=[*section.figures, waiting], charts=[*section.charts, _backlog_chart(backlog)])


def _from_facts_cached(period: Period) -> Section:
    key = ":".join(
        ["metrics:responsiveness", facts_generation(), str(period.first_day), str(period.last_day), get_language()]
    )
    section = cache.get(key)
    if section is None:
        section = _from_facts(period)
        cache.set(key, section, timeout=2 * settings.METRICS_ROLLUP_INTERVAL_SECONDS)
    return section


# The periods ending today the page is most often opened on: prepared by the
# roll-up (cache_warm) so that even the first view after it reads the cache.
WARM_PERIOD_DAYS = (7, 28, 90)


def cache_warm(today: date) -> None:
    """Compute and cache the facts' part of the section for the usual periods
    ending `today`, in every language (the roll-up calls it after today's facts)."""
    for days in WARM_PERIOD_DAYS:
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                _from_facts_cached(period_ending(today, days))


def _from_facts(period: Period) -> Section:
    both = selectors.facts_in_both_periods(period)
    wall = selectors.response_histograms(both, ["current", "kind", "channel"])
    support = selectors.response_histograms(both.filter(kind=FIRST), ["current", "kind", "channel"], selectors.SUPPORT)

    def total(histograms, current, kind, channel=None):
        return _sum(histograms, lambda k: k[0] == current and k[1] == kind and channel in (None, k[2]))

    first_now, first_before = total(wall, True, FIRST), total(wall, False, FIRST)
    support_now, support_before = total(support, True, FIRST), total(support, False, FIRST)
    follow_now, follow_before = total(wall, True, FOLLOW_UP), total(wall, False, FOLLOW_UP)
    resolved_now, resolved_before = total(wall, True, RESOLUTION), total(wall, False, RESOLUTION)

    def timing(key, label, now, before, value, help_text="", better=False, unit="seconds"):
        return Figure(key, label, value(now), value(before), unit, better, help_text)

    figures = [
        Figure(
            "conversations",
            _("Conversations"),
            first_now.total,
            first_before.total,
            "count",
            None,
            _("Begun in the period, spam and ignored ones left out."),
        ),
        timing("first_response_median", _("First response, median"), first_now, first_before, _median),
        timing("first_response_p90", _("First response, 90th percentile"), first_now, first_before, _p90),
        timing(
            "answered_1h",
            _("Answered within 1 hour"),
            first_now,
            first_before,
            lambda h: _share(h, WITHIN_HOUR),
            _("Share of the period's conversations; one not answered yet counts as not answered in time."),
            True,
            "percent",
        ),
        timing(
            "answered_24h",
            _("Answered within 24 hours"),
            first_now,
            first_before,
            lambda h: _share(h, WITHIN_DAY),
            better=True,
            unit="percent",
        ),
        timing(
            "first_response_median_support",
            _("First response in support hours, median"),
            support_now,
            support_before,
            _median,
            _("Only the time the team was on duty counts: nights, weekends and holidays are left out."),
        ),
        timing(
            "first_response_p90_support",
            _("First response in support hours, 90th percentile"),
            support_now,
            support_before,
            _p90,
        ),
        timing(
            "answered_1h_support",
            _("Answered within 1 support hour"),
            support_now,
            support_before,
            lambda h: _share(h, WITHIN_HOUR),
            better=True,
            unit="percent",
        ),
        timing(
            "answered_24h_support",
            _("Answered within 24 support hours"),
            support_now,
            support_before,
            lambda h: _share(h, WITHIN_DAY),
            better=True,
            unit="percent",
        ),
        Figure(
            "unanswered",
            _("Not answered yet"),
            first_now.unanswered,
            first_before.unanswered,
            "count",
            False,
            _("Conversations of the period still waiting for their first response."),
        ),
        timing(
            "follow_up_median",
            _("Response to follow-ups, median"),
            follow_now,
            follow_before,
            _median,
            _("From a customer's message after a staff reply (a reopened conversation) to the next reply."),
        ),
        Figure("resolved", _("Resolved"), resolved_now.total, resolved_before.total, "count", None),
        timing(
            "resolution_median",
            _("Time to resolution, median"),
            resolved_now,
            resolved_before,
            _median,
            _("From the start of a conversation closed as resolved in the period to its closing."),
        ),
        timing("resolution_p90", _("Time to resolution, 90th percentile"), resolved_now, resolved_before, _p90),
    ]
    per_week, week_table = _by_week(period)
    charts = [
        _per_day_chart(period),
        per_week,
        _by_channel_chart(wall, support),
    ]
    tables = [_by_channel_table(wall, support, total), _by_staff_table(period), week_table]
    return Section(
        key="responsiveness",
        title=_("Responsiveness"),
        figures=figures,
        charts=charts,
        tables=tables,
        notes=_notes(),
    )


def _notes() -> list[str]:
    minutes = round(settings.METRICS_ROLLUP_INTERVAL_SECONDS / 60)
    return [
        _(
            "A conversation counts from its first customer message; conversations closed as spam or ignored are "
            "left out. A response is a staff reply, public or private; internal notes are not."
        ),
        _(
            "A customer's message after a staff reply (a reopened conversation) starts a new wait, measured as a "
            "response to a follow-up; the first response is measured once per conversation."
        ),
        _(
            "Medians and percentiles are read from fine buckets (within about 6 %%); the shares within 1 and 24 "
            "hours are exact. Figures are recomputed every %(minutes)d minutes; the backlog is live."
        )
        % {"minutes": minutes},
    ]


def _per_day_chart(period: Period) -> Chart:
    counts = selectors.conversations_per_day(period)
    labels = _day_labels(period.days())
    series = [
        Series(str(label), [(text, counts.get((day, channel), 0)) for day, text in labels.items()])
        for channel, label in Network.choices
    ]
    return Chart("conversations_per_day", _("Conversations per day"), "line", series, "count")


def _by_channel_chart(wall, support) -> Chart:
    def median_of(histograms, channel):
        return _median(_sum(histograms, lambda k: k[0] and k[1] == FIRST and k[2] == channel))

    labels = [(channel, str(label)) for channel, label in Network.choices]
    return Chart(
        "first_response_by_channel",
        _("Median first response by channel"),
        "bar",
        [
            Series(_("Wall clock"), [(label, median_of(wall, channel)) for channel, label in labels]),
            Series(_("Support hours"), [(label, median_of(support, channel)) for channel, label in labels]),
        ],
        "seconds",
    )


def _backlog_chart(backlog) -> Chart:
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
        _median(histogram),
        _p90(histogram),
        _share(histogram, WITHIN_HOUR),
        _share(histogram, WITHIN_DAY),
        _median(support),
        _share(support, WITHIN_HOUR),
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


def _by_channel_table(wall, support, total) -> Table:
    rows = []
    for channel, label in Network.choices:
        first = total(wall, True, FIRST, channel)
        resolved = total(wall, True, RESOLUTION, channel)
        rows.append(
            [str(label)]
            + _timing_cells(first, total(support, True, FIRST, channel))
            + [first.unanswered, _median(total(wall, True, FOLLOW_UP, channel)), resolved.total, _median(resolved)]
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


def _by_staff_table(period: Period) -> Table:
    facts = selectors.facts_in(period, FIRST).filter(ended_at__isnull=False)
    wall = selectors.response_histograms(facts, ["responder"])
    support = selectors.response_histograms(facts, ["responder"], selectors.SUPPORT)
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


def _by_week(period: Period) -> tuple[Chart, Table]:
    """Weeks (labelled with their Monday) that the period touches."""
    facts = selectors.facts_by_week(period, FIRST, RESOLUTION)
    wall = selectors.response_histograms(facts, ["kind", "week"])
    support = selectors.response_histograms(facts.filter(kind=FIRST), ["week"], selectors.SUPPORT)
    weeks = sorted({key[1] for key in wall} | {key[0] for key in support})
    chart_points, rows = [], []
    for week in weeks:
        first, resolved = wall.get((FIRST, week), Histogram()), wall.get((RESOLUTION, week), Histogram())
        in_support = support.get((week,), Histogram())
        label = day_label(week)
        chart_points.append((label, _median(first), _median(in_support)))
        rows.append([label] + _timing_cells(first, in_support) + [resolved.total, _median(resolved)])
    chart = Chart(
        "first_response_by_week",
        _("Median first response by week"),
        "line",
        [
            Series(_("Wall clock"), [(label, value) for label, value, _support in chart_points]),
            Series(_("Support hours"), [(label, value) for label, _value, value in chart_points]),
        ],
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
