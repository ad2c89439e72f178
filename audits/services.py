"""Changes to audits: the weekly sample and the scoring."""

from __future__ import annotations

import logging
import random
from collections import Counter
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.models import Audit, AuditSample, Criterion, CriterionScore
from audits.selectors import audit_auditors, audit_may_score, guideline_current
from metrics.periods import Period, local_today, week_monday
from publishing.models import Delivery
from qa.models import Message

logger = logging.getLogger(__name__)


def week_period(monday: date) -> Period:
    """Monday to Sunday, in the support time zone."""
    return Period(monday, monday + timedelta(days=6))


def audit_score_percent(scores: list[tuple[int, int | None]]) -> float | None:
    """The score in percent from (weight, rating) pairs: a criterion met counts
    its full weight, partly met half of it, missed nothing; one that does not
    apply (rating None) counts neither way. None when none applies."""
    applicable = [(weight, rating) for weight, rating in scores if rating is not None]
    total = sum(weight for weight, _rating in applicable)
    if not total:
        return None
    earned = sum(weight * rating for weight, rating in applicable)
    return 100 * earned / (CriterionScore.Rating.PASS * total)


def _candidates(week: Period) -> list[tuple[int, int, object]]:
    """Last week's staff replies that reached the customer and were never
    audited: (id, author id, created_at). Notes are not replies; a network
    reply counts once its delivery was sent."""
    return list(
        Message.objects.filter(
            kind=Message.Kind.REPLY,
            author__isnull=False,
            created_at__gte=week.start,
            created_at__lt=week.end,
            audit__isnull=True,
        )
        .filter(Q(delivery__isnull=True) | Q(delivery__status=Delivery.Status.SENT))
        .order_by("id")
        .values_list("id", "author_id", "created_at")
    )


def audit_sample_week(*, monday: date, size: int | None = None, rng: random.Random | None = None) -> list[Audit]:
    """Queue a random sample of the week's staff replies for the auditors.

    Idempotent per week: the sample tops the week up to `size` audits (sampling
    the same week again queues nothing new). Each audit goes to the auditor
    with the fewest audits that week among those who did not write the reply;
    with none, it waits unassigned."""
    if monday.weekday() != 0:
        raise ValueError("A week starts on a Monday.")
    size = settings.AUDIT_SAMPLE_SIZE if size is None else size
    rng = rng or random.SystemRandom()
    guideline = guideline_current()
    if guideline is None or size <= 0:
        logger.info("audits: no sample for the week of %s (no active guideline, or size 0)", monday)
        return []
    with transaction.atomic():
        # One sampler at a time per week (beat may overlap a command run).
        sample, _created = AuditSample.objects.select_for_update().get_or_create(week=monday, defaults={"size": size})
        already = Audit.objects.filter(week=monday).count()
        wanted = size - already
        if wanted <= 0:
            return []
        candidates = _candidates(week_period(monday))
        picked = rng.sample(candidates, min(wanted, len(candidates)))
        picked.sort(key=lambda row: row[2])
        load = Counter(Audit.objects.filter(week=monday, auditor__isnull=False).values_list("auditor_id", flat=True))
        auditors = [user.pk for user in audit_auditors()]
        for pk in auditors:
            load.setdefault(pk, 0)
        audits = []
        for message_id, author_id, created_at in picked:
            eligible = [pk for pk in auditors if pk != author_id]
            auditor_id = min(eligible, key=lambda pk: (load[pk], pk)) if eligible else None
            if auditor_id is not None:
                load[auditor_id] += 1
            audits.append(
                Audit(
                    message_id=message_id,
                    guideline=guideline,
                    author_id=author_id,
                    replied_at=created_at,
                    week=monday,
                    auditor_id=auditor_id,
                )
            )
        Audit.objects.bulk_create(audits)
        sample.size = size
        sample.picked = already + len(audits)
        sample.save(update_fields=["size", "picked"])
    logger.info("audits: queued %d replies of the week of %s", len(audits), monday)
    return audits


def audit_sample_due(*, today: date | None = None) -> int:
    """Beat, every hour: sample last week once it is over (the first run on
    Monday, support time zone). Later runs read one row and stop."""
    monday = week_monday(today or local_today()) - timedelta(days=7)
    if settings.AUDIT_SAMPLE_SIZE <= 0 or AuditSample.objects.filter(week=monday).exists():
        return 0
    return len(audit_sample_week(monday=monday))


def audit_score(*, audit: Audit, auditor, ratings: dict[int, tuple[int | None, str]], comment: str = "") -> Audit:
    """Record an auditor's scores (criterion id -> (rating or None, comment))
    for every criterion of the audit's guideline; the audit is done, its score
    computed. Scoring again (a correction) replaces the scores."""
    if not audit_may_score(auditor, audit):
        raise PermissionDenied(_("You may not score this reply."))
    criteria = list(Criterion.objects.filter(guideline_id=audit.guideline_id))
    missing = [criterion.display_name for criterion in criteria if criterion.pk not in ratings]
    if missing or not criteria:
        raise ValidationError(_("Score every criterion: %(names)s.") % {"names": ", ".join(missing)})
    for rating, _comment in ratings.values():
        if rating is not None and rating not in CriterionScore.Rating.values:
            raise ValidationError(_("A rating is meets it, partly or misses it."))
    rows = [
        CriterionScore(
            audit=audit,
            criterion=criterion,
            weight=criterion.weight,
            rating=ratings[criterion.pk][0],
            comment=ratings[criterion.pk][1].strip(),
        )
        for criterion in criteria
    ]
    with transaction.atomic():
        audit.scores.all().delete()
        CriterionScore.objects.bulk_create(rows)
        audit.score = audit_score_percent([(row.weight, row.rating) for row in rows])
        audit.state = Audit.State.DONE
        audit.auditor = auditor
        audit.comment = comment.strip()
        audit.audited_at = timezone.now()
        audit.save()
    return audit
