"""Celery tasks for metrics: thin, they call services."""

from celery import shared_task

from metrics.rollups import rollups_recompute_recent
from metrics.summary import weekly_summary_send_due  # metrics-page


@shared_task(name="metrics.rollup")
def rollup_recent_days() -> int:
    return rollups_recompute_recent()


# --- metrics-page: the weekly e-mail summary ---
@shared_task(name="metrics.weekly_summary")
def send_weekly_summary() -> int:
    return weekly_summary_send_due()


# --- Reach of tips (metrics-reach) ---
@shared_task(name="metrics.reach_collect")
def reach_collect() -> dict:
    from metrics.reach_services import reach_collect as collect

    outcome = collect()
    return {"fetched": outcome.fetched, "failed": outcome.failed, "reads": outcome.reads, "errors": outcome.errors}
