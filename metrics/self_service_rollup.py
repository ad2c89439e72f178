"""Daily roll-up of the "was this helpful?" votes, per tip (issue 12).

A vote counts on the day it was first cast (qa.TipVote.created_at, support
time zone) with its answer as it stands now: a voter who changes their mind
changes that vote, it is not a second one. The roll-up rebuilds a day's rows
from the votes, so a change made later shows once that day is recomputed
(beat recomputes yesterday and today; `manage.py metrics_rollup` any range)."""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count

from conversations.support_hours import support_zone
from metrics.models import DailyCount
from metrics.self_service_events import VOTE_HELPFUL, VOTE_UNHELPFUL
from qa.models import TipVote


@transaction.atomic
def recompute(day: date) -> None:
    start = datetime.combine(day, time.min, tzinfo=support_zone())
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=support_zone())
    DailyCount.objects.filter(day=day, event__in=[VOTE_HELPFUL, VOTE_UNHELPFUL]).delete()
    votes = (
        TipVote.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("tip_id", "helpful")
        .annotate(votes=Count("id"))
        .order_by()
    )
    DailyCount.objects.bulk_create(
        DailyCount(
            day=day,
            event=VOTE_HELPFUL if row["helpful"] else VOTE_UNHELPFUL,
            key=str(row["tip_id"]),
            count=row["votes"],
        )
        for row in votes
    )
