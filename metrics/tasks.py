"""Celery tasks for metrics: thin, they call services."""

from celery import shared_task

from metrics.rollups import rollups_recompute_recent


@shared_task(name="metrics.rollup")
def rollup_recent_days() -> int:
    return rollups_recompute_recent()
