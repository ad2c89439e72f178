"""Self-service and deflection (issue 12): does the site answer customers
before they ask? The ask form's funnel, searches that found nothing (content
to write), and which tips readers found helpful. What each count means:
metrics.self_service_events. Four queries, whatever the amount of data."""

from datetime import date

from django.utils.translation import gettext_lazy as _

from metrics import self_service_events as events
from metrics.formatting import day_label
from metrics.periods import Period
from metrics.report import Chart, Figure, Section, Series, Table
from metrics.self_service_selectors import (
    daily_count_by_key,
    daily_count_top_keys,
    daily_count_totals,
    tip_titles,
)

# The section's name, also when it could not be computed (metrics.page).
KEY, TITLE = "self-service", _("Self-service and deflection")

TOP_ZERO_RESULT_QUERIES = 20
# A tip's helpful rate is listed once this many votes back it: 1 of 1 says little.
TIP_MIN_VOTES = 5
TIPS_LISTED = 10
# Longer periods are charted per week (labelled with the Monday): a year of days is unreadable.
DAILY_CHART_MAX_DAYS = 62

FUNNEL_EVENTS = [
    events.ASK_STARTED,
    events.ASK_SUGGESTED,
    events.ASK_CLICKED,
    events.SUGGESTION_CLICK,
    events.ASK_SENT,
    events.ASK_SENT_SUGGESTED,
    events.ASK_SENT_CLICKED,
    events.SEARCH,
    events.SEARCH_MISS,
    events.VOTE_HELPFUL,
    events.VOTE_UNHELPFUL,
]


def _percent(part, whole):
    return round(100 * part / whole, 1) if whole else None


class _Totals:
    """The period's (and the previous period's) sums, from one query's rows."""

    def __init__(self, by_event: dict[str, dict[date, int]], period: Period):
        self.by_event = by_event
        self.period = period

    def sum(self, event: str) -> int:
        days = self.by_event.get(event, {})
        return sum(count for day, count in days.items() if self.period.first_day <= day <= self.period.last_day)

    def abandoned_after_click(self) -> int:
        # A form sent after midnight, clicked before it, can make a day's difference negative.
        return max(0, self.sum(events.ASK_CLICKED) - self.sum(events.ASK_SENT_CLICKED))

    def deflection_rate(self):
        abandoned = self.abandoned_after_click()
        return _percent(abandoned, abandoned + self.sum(events.ASK_SENT_SUGGESTED))

    def helpful_rate(self):
        helpful = self.sum(events.VOTE_HELPFUL)
        return _percent(helpful, helpful + self.sum(events.VOTE_UNHELPFUL))


def _buckets(period: Period) -> list[tuple[str, list[date]]]:
    """(label, days) for each point of a chart over the period: days, or weeks for a long period."""
    if period.length <= DAILY_CHART_MAX_DAYS:
        return [(day_label(day), [day]) for day in period.days()]
    return [(day_label(monday), days) for monday, days in period.weeks().items()]


def _series(label, counts: dict[date, int], buckets) -> Series:
    return Series(str(label), [(x, sum(counts.get(day, 0) for day in days)) for x, days in buckets])


def _figures(now: _Totals, before: _Totals) -> list[Figure]:
    def figure(key, label, value, previous, help_text, *, unit="count", higher_is_better=True):
        return Figure(key, str(label), value, previous, unit, higher_is_better, str(help_text))

    def count(key, event, label, help_text, **kwargs):
        return figure(key, label, now.sum(event), before.sum(event), help_text, **kwargs)

    searches, misses = now.sum(events.SEARCH), now.sum(events.SEARCH_MISS)
    return [
        count(
            "ask-started",
            events.ASK_STARTED,
            _("Ask-form starts"),
            _("Forms in which a customer started typing a question."),
            higher_is_better=None,
        ),
        count(
            "suggestions-shown",
            events.ASK_SUGGESTED,
            _("Forms shown suggestions"),
            _("Forms that showed at least one similar tip while the question was written."),
            higher_is_better=None,
        ),
        count(
            "suggestions-clicked",
            events.SUGGESTION_CLICK,
            _("Suggestions opened"),
            _("Suggested tips opened from the ask form, every opening counted."),
        ),
        count(
            "sent-after-suggestion",
            events.ASK_SENT_SUGGESTED,
            _("Questions sent after a suggestion"),
            _("Questions sent from a form that had shown similar tips."),
            higher_is_better=None,
        ),
        figure(
            "abandoned-after-click",
            _("Forms left after opening a tip"),
            now.abandoned_after_click(),
            before.abandoned_after_click(),
            _("Forms in which the customer opened a suggested tip and then sent nothing."),
        ),
        figure(
            "deflection-rate",
            _("Deflection rate"),
            now.deflection_rate(),
            before.deflection_rate(),
            _(
                "Forms left after opening a tip, out of those and the questions sent after a suggestion: "
                "how often a suggested tip answered the customer instead of the team."
            ),
            unit="percent",
        ),
        count(
            "searches",
            events.SEARCH,
            _("Searches"),
            _("Searches on the site (the first page of results)."),
            higher_is_better=None,
        ),
        count(
            "zero-result-searches",
            events.SEARCH_MISS,
            _("Searches without results"),
            _("Searches that found no tip: content to write."),
            higher_is_better=False,
        ),
        figure(
            "zero-result-share",
            _("Share of searches without results"),
            _percent(misses, searches),
            _percent(before.sum(events.SEARCH_MISS), before.sum(events.SEARCH)),
            _("Searches that found no tip, out of every search."),
            unit="percent",
            higher_is_better=False,
        ),
        figure(
            "votes",
            _("Helpful votes"),
            now.sum(events.VOTE_HELPFUL) + now.sum(events.VOTE_UNHELPFUL),
            before.sum(events.VOTE_HELPFUL) + before.sum(events.VOTE_UNHELPFUL),
            _("Answers to “Was this helpful?” under the tips, yes or no."),
            higher_is_better=None,
        ),
        figure(
            "helpful-rate",
            _("Helpful rate"),
            now.helpful_rate(),
            before.helpful_rate(),
            _("Votes that said yes, out of every vote."),
            unit="percent",
        ),
    ]


def _tip_tables(period: Period) -> list[Table]:
    votes = daily_count_by_key(events=[events.VOTE_HELPFUL, events.VOTE_UNHELPFUL], period=period)
    rated = []
    for key, counts in votes.items():
        helpful, unhelpful = counts.get(events.VOTE_HELPFUL, 0), counts.get(events.VOTE_UNHELPFUL, 0)
        if helpful + unhelpful >= TIP_MIN_VOTES and key.isdigit():
            rated.append((int(key), helpful, unhelpful, _percent(helpful, helpful + unhelpful)))
    rated.sort(key=lambda row: (-row[3], -(row[1] + row[2]), row[0]))
    top = rated[:TIPS_LISTED]
    bottom = sorted(rated[TIPS_LISTED:], key=lambda row: (row[3], -(row[1] + row[2]), row[0]))[:TIPS_LISTED]
    titles = tip_titles(ids=[row[0] for row in top + bottom])
    columns = [str(_("Tip")), str(_("Helpful")), str(_("Not helpful")), str(_("Helpful rate"))]
    units = ["text", "count", "count", "percent"]

    def rows(listed):
        return [[titles.get(tip_id, f"#{tip_id}"), yes, no, rate] for tip_id, yes, no, rate in listed]

    return [
        Table("most-helpful-tips", str(_("Most helpful tips")), columns, rows(top), units),
        Table("least-helpful-tips", str(_("Least helpful tips")), columns, rows(bottom), units),
    ]


def build(period: Period, *, user=None) -> Section:
    previous = period.previous()
    by_event = daily_count_totals(events=FUNNEL_EVENTS, first_day=previous.first_day, last_day=period.last_day)
    now, before = _Totals(by_event, period), _Totals(by_event, previous)
    buckets = _buckets(period)

    def series(label, event):
        return _series(label, by_event.get(event, {}), buckets)

    funnel = Chart(
        "ask-funnel",
        str(_("The ask form per day")),
        "line",
        [
            series(_("Ask-form starts"), events.ASK_STARTED),
            series(_("Forms shown suggestions"), events.ASK_SUGGESTED),
            series(_("Suggestions opened"), events.SUGGESTION_CLICK),
            series(_("Questions sent"), events.ASK_SENT),
        ],
    )
    searches = Chart(
        "searches",
        str(_("Searches per day")),
        "line",
        [series(_("Searches"), events.SEARCH), series(_("Searches without results"), events.SEARCH_MISS)],
    )
    misses = Table(
        "zero-result-queries",
        str(_("Top searches without results")),
        [str(_("Search")), str(_("Times searched"))],
        [
            list(row)
            for row in daily_count_top_keys(event=events.SEARCH_MISS, period=period, limit=TOP_ZERO_RESULT_QUERIES)
        ],
        ["text", "count"],
    )
    return Section(
        key=KEY,
        title=str(TITLE),
        figures=_figures(now, before),
        charts=[funnel, searches],
        tables=[misses, *_tip_tables(period)],
        notes=[
            str(
                _(
                    "The ask form is counted once per form at each stage, without cookies or personal data; "
                    "customers without JavaScript are counted only when they send a question."
                )
            ),
            str(
                _(
                    "Votes count on the day they were cast, with their current answer; tips are rated "
                    "once %(votes)s votes back them."
                )
                % {"votes": TIP_MIN_VOTES}
            ),
        ],
    )
