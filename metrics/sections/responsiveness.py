"""The responsiveness section: how fast the team answers, how long
conversations take to resolve, and what is waiting now.

Reads the ResponseTime facts of the roll-up (metrics.responsiveness_rollup),
counted per day and per week (metrics.responsiveness_counts), as histograms
grouped in the database, and the live backlog: a fixed number
of queries whatever the number of conversations. The facts change only when
the roll-up runs, so what they give is cached (per period and language) until
it runs again: the next view after a roll-up pays the queries, the others
only the backlog's one. The definitions are in
README (Metrics > Responsiveness) and in the section's notes. This module
makes the headline figures; the charts and tables are in
metrics.sections.responsiveness_breakdowns."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from metrics import responsiveness_selectors as selectors
from metrics.periods import Period, period_ending
from metrics.report import Figure, Section
from metrics.responsiveness_rollup import facts_generation
from metrics.responsiveness_stats import WITHIN_DAY, WITHIN_HOUR, Histogram
from metrics.sections.responsiveness_breakdowns import (
    FIRST,
    FOLLOW_UP,
    RESOLUTION,
    backlog_chart,
    by_channel_chart,
    by_channel_table,
    by_staff_table,
    by_week,
    histograms_total,
    median,
    p90,
    per_day_chart,
    share,
)

# The section's name, also when it could not be computed (metrics.page).
KEY, TITLE = "responsiveness", gettext_lazy("Responsiveness")


def build(period: Period, *, user) -> Section:
    """What the facts say (cached until the roll-up next changes them), and the live backlog."""
    section = _from_facts_cached(period)
    backlog = selectors.backlog_by_age(timezone.now())
    waiting = Figure(
        "backlog", _("Waiting on us now"), sum(sum(ages.values()) for ages in backlog.values()), None, "count", False
    )
    return replace(section, figures=[*section.figures, waiting], charts=[*section.charts, backlog_chart(backlog)])


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


class FirstResponseTexts(NamedTuple):
    """The labels of one clock's first-response figures: whole sentences per
    clock, not a clock's name put into one, so that each language words them."""

    median: str
    p90: str
    within_hour: str
    within_day: str
    median_help: str = ""
    within_hour_help: str = ""


def _first_response_clocks(wall, support) -> list[tuple[str, dict, FirstResponseTexts]]:
    """(figure keys' suffix, histograms, texts) of each clock, in page order."""
    return [
        (
            "",
            wall,
            FirstResponseTexts(
                _("First response, median"),
                _("First response, 90th percentile"),
                _("Answered within 1 hour"),
                _("Answered within 24 hours"),
                within_hour_help=_(
                    "Share of the period's conversations; one not answered yet counts as not answered in time."
                ),
            ),
        ),
        (
            "_support",
            support,
            FirstResponseTexts(
                _("First response in support hours, median"),
                _("First response in support hours, 90th percentile"),
                _("Answered within 1 support hour"),
                _("Answered within 24 support hours"),
                median_help=_("Only the time the team was on duty counts: nights, weekends and holidays are left out."),
            ),
        ),
    ]


def _first_response_figures(suffix: str, now: Histogram, before: Histogram, texts: FirstResponseTexts) -> list[Figure]:
    def within(limit):
        return lambda histogram: share(histogram, limit)

    measures = [
        ("first_response_median", texts.median, median, "seconds", False, texts.median_help),
        ("first_response_p90", texts.p90, p90, "seconds", False, ""),
        ("answered_1h", texts.within_hour, within(WITHIN_HOUR), "percent", True, texts.within_hour_help),
        ("answered_24h", texts.within_day, within(WITHIN_DAY), "percent", True, ""),
    ]
    return [
        Figure(key + suffix, label, value(now), value(before), unit, higher_is_better, help_text)
        for key, label, value, unit, higher_is_better, help_text in measures
    ]


def _from_facts(period: Period) -> Section:
    both = selectors.counts_in_both_periods(period)
    wall = selectors.response_histograms(both, ["current", "kind", "channel"])
    support = selectors.response_histograms(both.filter(kind=FIRST), ["current", "kind", "channel"], selectors.SUPPORT)
    first_now, first_before = histograms_total(wall, True, FIRST), histograms_total(wall, False, FIRST)
    follow_now, follow_before = histograms_total(wall, True, FOLLOW_UP), histograms_total(wall, False, FOLLOW_UP)
    resolved_now, resolved_before = histograms_total(wall, True, RESOLUTION), histograms_total(wall, False, RESOLUTION)

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
    ]
    for suffix, histograms, texts in _first_response_clocks(wall, support):
        now, before = histograms_total(histograms, True, FIRST), histograms_total(histograms, False, FIRST)
        figures += _first_response_figures(suffix, now, before, texts)
    figures += [
        Figure(
            "unanswered",
            _("Not answered yet"),
            first_now.unanswered,
            first_before.unanswered,
            "count",
            False,
            _("Conversations of the period still waiting for their first response."),
        ),
        Figure(
            "follow_up_median",
            _("Response to follow-ups, median"),
            median(follow_now),
            median(follow_before),
            "seconds",
            False,
            _("From a customer's message after a staff reply (a reopened conversation) to the next reply."),
        ),
        Figure("resolved", _("Resolved"), resolved_now.total, resolved_before.total, "count", None),
        Figure(
            "resolution_median",
            _("Time to resolution, median"),
            median(resolved_now),
            median(resolved_before),
            "seconds",
            False,
            _("From the start of a conversation closed as resolved in the period to its closing."),
        ),
        Figure(
            "resolution_p90",
            _("Time to resolution, 90th percentile"),
            p90(resolved_now),
            p90(resolved_before),
            "seconds",
            False,
        ),
    ]
    per_week, week_table = by_week(period)
    return Section(
        key=KEY,
        title=str(TITLE),
        figures=figures,
        charts=[per_day_chart(period), per_week, by_channel_chart(wall, support)],
        tables=[by_channel_table(wall, support), by_staff_table(period), week_table],
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
