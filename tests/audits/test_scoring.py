"""The score: each criterion's weight times its rating (met 2, partly 1, missed
0) over twice the weights of the criteria that apply, computed by hand."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audits.models import Audit, Criterion, CriterionScore, Guideline
from audits.services import audit_score, audit_score_percent
from tests.audits.conftest import tokyo

PASS, PARTLY, FAIL = 2, 1, 0


@pytest.mark.parametrize(
    ("scores", "percent"),
    [
        ([(1, PASS), (1, PASS), (1, PASS), (1, PASS)], 100.0),
        ([(1, PASS), (1, PARTLY), (1, FAIL), (1, PASS)], 62.5),  # (2+1+0+2)/8
        # weights 3, 1, 2 apply; (3*2 + 1*1 + 2*0) / (2 * 6) = 7/12
        ([(3, PASS), (1, PARTLY), (2, FAIL), (5, None)], 700 / 12),
        ([(1, FAIL), (4, None)], 0.0),
        ([(1, None), (2, None)], None),  # nothing applies: no score
        ([], None),
    ],
)
def test_score_percent_by_hand(scores, percent):
    result = audit_score_percent(scores)
    assert result is None if percent is None else result == pytest.approx(percent)


@pytest.fixture
def weighted_guideline(db):
    Guideline.objects.update(active=False)
    guideline = Guideline.objects.create(title="Replies on X")
    criteria = [
        Criterion.objects.create(guideline=guideline, name=name, weight=weight, position=position)
        for position, (name, weight) in enumerate([("Tone", 3), ("Terms", 1), ("Content", 2), ("Dialogue", 1)])
    ]
    return guideline, criteria


@pytest.fixture
def queued(make_staff, make_reply, weighted_guideline):
    writer = make_staff("writer", "Writer")
    reply = make_reply(writer, tokyo(2026, 11, 17))
    guideline, criteria = weighted_guideline
    audit = Audit.objects.create(
        message=reply, guideline=guideline, author=writer, replied_at=reply.created_at, week=reply.created_at.date()
    )
    return audit, criteria


def test_scoring_a_reply_records_each_criterion_and_the_percent(queued, make_staff):
    audit, (tone, terms, content, dialogue) = queued
    auditor = make_staff("lead", "Lead", auditor=True)
    audit_score(
        audit=audit,
        auditor=auditor,
        ratings={
            tone.pk: (PASS, ""),
            terms.pk: (PARTLY, " 'parcel' is 'package' in our terms "),
            content.pk: (FAIL, "No link to the tracking tip."),
            dialogue.pk: (None, ""),
        },
        comment="Friendly; link the tip next time.",
    )
    audit.refresh_from_db()
    assert audit.state == "done" and audit.auditor == auditor and audit.audited_at is not None
    assert audit.score == pytest.approx(700 / 12)  # 58.33...%
    rows = {s.criterion.name: (s.weight, s.rating, s.comment) for s in audit.scores.all()}
    assert rows["Terms"] == (1, PARTLY, "'parcel' is 'package' in our terms")
    assert rows["Dialogue"] == (1, None, "")
    # A later change to the guideline's weights leaves past scores as they were.
    Criterion.objects.filter(pk=content.pk).update(weight=10)
    assert CriterionScore.objects.get(audit=audit, criterion=content).weight == 2


def test_scoring_again_replaces_the_scores(queued, make_staff):
    audit, criteria = queued
    auditor = make_staff("lead", auditor=True)
    audit_score(audit=audit, auditor=auditor, ratings={c.pk: (FAIL, "") for c in criteria})
    audit_score(audit=audit, auditor=auditor, ratings={c.pk: (PASS, "") for c in criteria})
    audit.refresh_from_db()
    assert audit.score == 100.0 and audit.scores.count() == 4


def test_every_criterion_must_be_scored(queued, make_staff):
    audit, criteria = queued
    with pytest.raises(ValidationError):
        audit_score(audit=audit, auditor=make_staff("lead", auditor=True), ratings={criteria[0].pk: (PASS, "")})
    audit.refresh_from_db()
    assert audit.state == "queued" and not audit.scores.exists()


def test_a_rating_out_of_range_is_refused(queued, make_staff):
    audit, criteria = queued
    with pytest.raises(ValidationError):
        audit_score(audit=audit, auditor=make_staff("lead", auditor=True), ratings={c.pk: (3, "") for c in criteria})


def test_nobody_scores_their_own_reply_and_only_auditors_score(queued, make_staff):
    audit, criteria = queued
    ratings = {c.pk: (PASS, "") for c in criteria}
    audit.author.groups.add(make_staff("lead", auditor=True).groups.get())
    with pytest.raises(PermissionDenied):
        audit_score(audit=audit, auditor=audit.author, ratings=ratings)
    with pytest.raises(PermissionDenied):
        audit_score(audit=audit, auditor=make_staff("colleague"), ratings=ratings)


def test_the_default_guideline_has_the_four_points_of_the_seeds(db):
    guideline = Guideline.objects.get(title="Reply guidelines")
    assert [c.name for c in guideline.criteria.all()] == ["Tone", "Terms", "Content", "Dialogue"]


def test_the_default_guideline_reads_in_japanese(db):
    from django.utils import translation

    guideline = Guideline.objects.get(title="Reply guidelines")
    with translation.override("ja"):
        names = [c.display_name for c in guideline.criteria.all()]
        title = guideline.display_title
    assert names == ["口調", "用語", "内容", "対話"] and title == "返信のガイドライン"
