"""Celery tasks for audits: thin, they call services."""

from celery import shared_task

from audits.services import audit_sample_due


@shared_task(name="audits.sample_last_week")
def sample_last_week() -> int:
    return audit_sample_due()
