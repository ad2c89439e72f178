"""The self-service section's figures, charts and tables against numbers
computed by hand from small fixtures (metrics.sections.self_service)."""

from datetime import date

import pytest
from django.utils import translation

from metrics.models import DailyCount
from metrics.periods import Period
from metrics.sections import SECTIONS, self_service
from metrics.services import daily_count_add

pytestmark = pytest.mark.django_db

WEEK = Period(date(2026, 11, 16), date(2026, 11, 22))  # Monday to Sunday; the previous: 9 to 15 November


def add(day: int, event: str, amount: int, key: str = ""):
    daily_count_add(event, key, amount=amount, day=date(2026, 11, day))


@pytest.fixture
def tips(make_tip):
    return [make_tip(title=title) for title in ("Track a parcel", "Refunds", "Gift wrap")]


@pytest.fixture
def data(tips):
    a, b, c = (str(tip.pk) for tip in tips)
    # This week.
    add(16, "ask.started", 10), add(20, "ask.started", 5)
    add(16, "ask.suggested", 6), add(20, "ask.suggested", 2)
    add(16, "ask.clicked", 4), add(20, "ask.clicked", 1)
    add(16, "suggestion.click", 3, a), add(20, "suggestion.click", 4, b)
    add(16, "ask.sent", 5), add(20, "ask.sent", 3)
    add(16, "ask.sent_suggested", 3)
    add(16, "ask.sent_clicked", 1)
    add(17, "search", 20)
    add(17, "search.miss", 3, "wifi"), add(18, "search.miss", 2, "wifi"), add(17, "search.miss", 4, "refund")
    add(16, "vote.helpful", 5, a), add(18, "vote.unhelpful", 1, a)
    add(16, "vote.helpful", 2, b), add(19, "vote.unhelpful", 4, b)
    add(22, "vote.helpful", 1, c)
    # The week before.
    add(10, "ask.started", 4)
    add(10, "ask.clicked", 2), add(11, "ask.sent_clicked", 2), add(11, "ask.sent_suggested", 1)
    add(15, "search", 10), add(15, "search.miss", 1, "wifi")
    # The day after: in no period shown.
    add(23, "ask.started", 100), add(23, "search.miss", 50, "late")
    return tips


def figures(section) -> dict[str, tuple]:
    return {figure.key: (figure.value, figure.previous) for figure in section.figures}


def test_the_section_is_on_the_metrics_page():
    assert "metrics.sections.self_service.build" in SECTIONS


def test_figures_against_hand_computed_counts(data):
    section = self_service.build(WEEK, user=None)
    assert figures(section) == {
        "ask-started": (15, 4),
        "suggestions-shown": (8, 0),
        "suggestions-clicked": (7, 0),
        "sent-after-suggestion": (3, 1),
        # Clicked 5, of which 1 sent: 4 left; before: 2 clicked, 2 sent.
        "abandoned-after-click": (4, 0),
        # 4 / (4 + 3); before: 0 / (0 + 1).
        "deflection-rate": (57.1, 0.0),
        "searches": (20, 10),
        "zero-result-searches": (9, 1),
        "zero-result-share": (45.0, 10.0),
        "votes": (13, 0),
        # 8 yes of 13; no vote the week before.
        "helpful-rate": (61.5, None),
    }


def test_an_empty_period_has_zeros_and_no_rates():
    section = self_service.build(Period(date(2026, 1, 5), date(2026, 1, 11)), user=None)
    values = figures(section)
    assert {key for key, (value, previous) in values.items() if value is None} == {
        "deflection-rate",
        "zero-result-share",
        "helpful-rate",
    }
    assert all(value in (0, None) and previous in (0, None) for value, previous in values.values())
    assert all(table.rows == [] for table in section.tables)
    assert all(value == 0 for chart in section.charts for series in chart.series for _, value in series.points)


def test_the_funnel_chart_has_one_point_per_day(data):
    section = self_service.build(WEEK, user=None)
    funnel = {chart.key: chart for chart in section.charts}["ask-funnel"]
    assert [x for x, _ in funnel.series[0].points][:2] == ["November 16", "November 17"]
    assert {series.label: [value for _, value in series.points] for series in funnel.series} == {
        "Ask-form starts": [10, 0, 0, 0, 5, 0, 0],
        "Forms shown suggestions": [6, 0, 0, 0, 2, 0, 0],
        "Suggestions opened": [3, 0, 0, 0, 4, 0, 0],
        "Questions sent": [5, 0, 0, 0, 3, 0, 0],
    }
    searches = {chart.key: chart for chart in section.charts}["searches"]
    assert [[value for _, value in series.points] for series in searches.series] == [
        [0, 20, 0, 0, 0, 0, 0],
        [0, 7, 2, 0, 0, 0, 0],
    ]


def test_days_are_in_the_readers_language(data):
    with translation.override("ja"):
        section = self_service.build(WEEK, user=None)
    assert section.charts[0].series[0].points[0][0] == "11月16日"
    assert section.title == "セルフサービスと自己解決"


def test_a_long_period_is_charted_per_week_labelled_by_its_monday(data):
    section = self_service.build(Period(date(2026, 1, 1), date(2026, 12, 31)), user=None)
    points = section.charts[0].series[0].points
    assert points[0][0] == "December 29"  # the week of 1 January 2026 began on a Monday in 2025
    assert ("November 16", 15) in points and ("November 23", 100) in points
    assert len(points) == 53


def test_top_zero_result_queries_of_the_period(data):
    section = self_service.build(WEEK, user=None)
    table = {table.key: table for table in section.tables}["zero-result-queries"]
    assert table.rows == [["wifi", 5], ["refund", 4]]


def test_tips_by_helpful_rate_with_enough_votes(data, monkeypatch):
    a, b, _c = data
    tables = {table.key: table for table in self_service.build(WEEK, user=None).tables}
    # Gift wrap's one vote is not enough to rate it.
    assert tables["most-helpful-tips"].rows == [["Track a parcel", 5, 1, 83.3], ["Refunds", 2, 4, 33.3]]
    assert tables["least-helpful-tips"].rows == []
    monkeypatch.setattr(self_service, "TIPS_LISTED", 1)
    tables = {table.key: table for table in self_service.build(WEEK, user=None).tables}
    assert tables["most-helpful-tips"].rows == [["Track a parcel", 5, 1, 83.3]]
    assert tables["least-helpful-tips"].rows == [["Refunds", 2, 4, 33.3]]


def test_a_fixed_number_of_queries_whatever_the_data(data, django_assert_max_num_queries):
    rows = [
        DailyCount(day=date(2026, month, day), event=event, key=str(1000 + key), count=3)
        for month in (10, 11)
        for day in range(1, 29)
        for event in ("search.miss", "vote.helpful", "suggestion.click")
        for key in range(40)
    ]
    DailyCount.objects.bulk_create(rows)
    # Totals per day, top searches without results, votes per tip, the rated tips' titles.
    with django_assert_max_num_queries(4):
        section = self_service.build(Period(date(2026, 10, 1), date(2026, 11, 28)), user=None)
    assert len(section.tables[0].rows) == self_service.TOP_ZERO_RESULT_QUERIES
