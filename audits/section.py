"""The metrics page's quality section (metrics.sections.SECTIONS): the audit
score in percent for the period against the previous one, per week, by staff
member and by criterion, and how many sampled replies are scored or waiting.

An audit counts in the period its reply was written in (not when it was
scored), so a week's quality does not move to the week the auditor got to it.
Five queries whatever the data, each on an indexed range of audits (a sample
is AUDIT_SAMPLE_SIZE replies a week: small). The section is the same for
everyone who may open the metrics page (leads); each staff member's own
audits are on the audits pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Min, Q
from django.utils.translation import gettext, gettext_lazy, ngettext

from audits.models import Audit, CriterionScore
from conversations.compose import staff_display_name
from metrics.formatting import day_label
from metrics.periods import Period
from metrics.report import Chart, Figure, Section, Series, Table

# The section's name, also when it could not be computed (metrics.page).
KEY, TITLE = "audits", gettext_lazy("Quality audits")

DONE = Q(state=Audit.State.DONE)


def _in(period: Period, prefix: str = "") -> Q:
    return Q(**{f"{prefix}replied_at__gte": period.start, f"{prefix}replied_at__lt": period.end})


def build(period: Period, *, user) -> Section:
    previous = period.previous()
    now, before = _in(period), _in(previous)
    totals = Audit.objects.filter(replied_at__gte=previous.start, replied_at__lt=period.end).aggregate(
        average=Avg("score", filter=now & DONE),
        average_before=Avg("score", filter=before & DONE),
        done=Count("id", filter=now & DONE),
        done_before=Count("id", filter=before & DONE),
        queued=Count("id", filter=now & ~DONE),
        queued_before=Count("id", filter=before & ~DONE),
    )
    scored = Audit.objects.filter(DONE & now)
    weeks = {row["week"]: row["average"] for row in scored.values("week").annotate(average=Avg("score")).order_by()}
    by_author = {
        row["author_id"]: row["average"] for row in scored.values("author_id").annotate(average=Avg("score")).order_by()
    }
    authors = get_user_model().objects.filter(pk__in=list(by_author)).select_related("staff_profile")
    staff = sorted((staff_display_name(author), by_author[author.pk]) for author in authors)
    criteria = (
        CriterionScore.objects.filter(_in(period, "audit__"), audit__state=Audit.State.DONE, rating__isnull=False)
        .values("criterion__name")
        .annotate(rating=Avg("rating"), count=Count("id"), position=Min("criterion__position"))
        .order_by("position", "criterion__name")
    )

    mondays = list(period.weeks())
    return Section(
        key=KEY,
        title=str(TITLE),
        figures=[
            Figure(
                key="score",
                label=gettext("Average audit score"),
                value=totals["average"],
                previous=totals["average_before"],
                unit="percent",
                help_text=gettext("Scored replies written in the period, against the guideline's weighted criteria."),
            ),
            Figure(
                key="audited",
                label=gettext("Replies audited"),
                value=totals["done"],
                previous=totals["done_before"],
                higher_is_better=None,
            ),
            Figure(
                key="queued",
                label=gettext("Sampled replies waiting for an auditor"),
                value=totals["queued"],
                previous=totals["queued_before"],
                higher_is_better=False,
            ),
        ],
        charts=[
            Chart(
                key="audits_by_week",
                title=gettext("Audit score by week"),
                kind="line",
                series=[Series(gettext("Average score"), [(day_label(m), weeks.get(m)) for m in mondays])],
                unit="percent",
            ),
            Chart(
                key="audits_by_staff",
                title=gettext("Audit score by staff member"),
                kind="bar",
                series=[Series(gettext("Average score"), staff)],
                unit="percent",
            ),
        ],
        tables=[
            Table(
                key="audits_by_criterion",
                title=gettext("Audit score by criterion"),
                columns=[gettext("Criterion"), gettext("Score"), gettext("Replies scored")],
                rows=[
                    [gettext(row["criterion__name"]), 100 * row["rating"] / CriterionScore.Rating.PASS, row["count"]]
                    for row in criteria
                ],
                units=["text", "percent", "count"],
            )
        ],
        notes=[
            ngettext(
                "Each Monday %(size)d reply of the week before is picked at random for the auditors.",
                "Each Monday %(size)d replies of the week before are picked at random for the auditors.",
                settings.AUDIT_SAMPLE_SIZE,
            )
            % {"size": settings.AUDIT_SAMPLE_SIZE},
            gettext("A reply counts in the week it was written, whenever it was scored."),
        ],
    )
