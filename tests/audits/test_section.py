"""The metrics page's quality section, against numbers computed by hand."""

import random
from datetime import date

import pytest
from django.utils import translation

from audits.models import Audit
from audits.section import build
from audits.services import audit_sample_week, audit_score
from metrics.periods import Period
from tests.audits.conftest import tokyo

# Two weeks (Monday 16 to Sunday 29 November 2026); the previous period is 2 to 15 November.
PERIOD = Period(date(2026, 11, 16), date(2026, 11, 29))


@pytest.fixture
def audited(make_staff, make_reply):
    """By hand (default guideline, four criteria of weight 1; met 2, partly 1, missed 0):
    - week of 16 Nov: Ben 100% (all met)
    - week of 23 Nov: Ben 75% (met, met, partly, partly: 6/8), Chika 50% (met, met, missed, missed: 4/8),
      and one of Chika's replies still to score
    - previous period (week of 9 Nov): Chika 87.5% (met, met, met, partly: 7/8)
    Criteria this period: Tone 2,2,2 -> 100%; Terms 2,2,2 -> 100%; Content 2,1,0 -> 50%; Dialogue 2,1,0 -> 50%."""
    lead = make_staff("lead", "Lead", auditor=True)
    ben, chika = make_staff("ben", "Ben"), make_staff("chika", "千佳")
    plan = [
        (ben, tokyo(2026, 11, 17), [2, 2, 2, 2]),
        (ben, tokyo(2026, 11, 24), [2, 2, 1, 1]),
        (chika, tokyo(2026, 11, 29, 23, 50), [2, 2, 0, 0]),  # Sunday night, Tokyo: still the period
        (chika, tokyo(2026, 11, 25), None),  # queued
        (chika, tokyo(2026, 11, 10), [2, 2, 2, 1]),
        (ben, tokyo(2026, 11, 30, 0, 10), [0, 0, 0, 0]),  # the day after the period
    ]
    for author, at, _ratings in plan:
        make_reply(author, at)
    for monday in (date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)):
        audit_sample_week(monday=monday, size=10, rng=random.Random(0))
    for author, at, ratings in plan:
        if ratings is None:
            continue
        audit = Audit.objects.get(author=author, replied_at=at)
        criteria = list(audit.guideline.criteria.all())
        audit_score(audit=audit, auditor=lead, ratings={c.pk: (r, "") for c, r in zip(criteria, ratings, strict=True)})
    return lead


def figures(section):
    return {f.key: (f.value, f.previous) for f in section.figures}


def test_figures_by_hand(audited):
    section = build(PERIOD, user=audited)
    numbers = figures(section)
    assert numbers["score"][0] == pytest.approx((100 + 75 + 50) / 3)
    assert numbers["score"][1] == pytest.approx(87.5)
    assert numbers["audited"] == (3, 1)
    assert numbers["queued"] == (1, 0)


def test_charts_by_week_and_by_staff(audited):
    section = build(PERIOD, user=audited)
    by_week, by_staff = section.charts
    assert by_week.kind == "line" and by_week.unit == "percent"
    assert by_week.series[0].points == [("November 16", 100.0), ("November 23", pytest.approx(62.5))]
    assert by_staff.kind == "bar"
    assert by_staff.series[0].points == [("Ben", pytest.approx(87.5)), ("千佳", 50.0)]
    (criteria,) = section.tables
    assert criteria.rows == [["Tone", 100.0, 3], ["Terms", 100.0, 3], ["Content", 50.0, 3], ["Dialogue", 50.0, 3]]


def test_weeks_and_criteria_read_in_japanese(audited):
    with translation.override("ja"):
        section = build(PERIOD, user=audited)
    assert [x for x, _value in section.charts[0].series[0].points] == ["11月16日", "11月23日"]
    assert section.tables[0].rows[0][0] == "口調"


def test_an_empty_period(audited):
    empty = Period(date(2026, 10, 5), date(2026, 10, 11))
    section = build(empty, user=audited)
    assert figures(section) == {"score": (None, None), "audited": (0, 0), "queued": (0, 0)}
    assert section.charts[0].series[0].points == [("October 5", None)]
    assert section.charts[1].series[0].points == [] and section.tables[0].rows == []


def test_the_section_runs_a_fixed_number_of_queries(audited, make_staff, make_reply, django_assert_max_num_queries):
    writers = [make_staff(f"w{i}", f"Writer {i}") for i in range(12)]
    for i in range(60):
        make_reply(writers[i % 12], tokyo(2026, 11, 16 + i % 14, 9 + i % 9))
    for monday in (date(2026, 11, 16), date(2026, 11, 23)):
        for audit in audit_sample_week(monday=monday, size=40, rng=random.Random(4)):
            criteria = list(audit.guideline.criteria.all())
            audit_score(audit=audit, auditor=audited, ratings={c.pk: (1, "") for c in criteria})
    with django_assert_max_num_queries(5):
        section = build(PERIOD, user=audited)
    assert len(section.charts[1].series[0].points) == 14
