"""Celery tasks of the qa app: load by id, call a service."""

import logging

from celery import shared_task

from qa import import_jobs, related, share_image_store

logger = logging.getLogger(__name__)


@shared_task(name="qa.generate_share_image")
def generate_share_image(tip_id: int) -> None:
    # Safe to run twice: an image that is already current is left alone.
    share_image_store.tip_share_image_generate(tip_id=tip_id)


@shared_task(name="qa.generate_share_images")
def generate_share_images(tip_ids: list[int]) -> None:
    """Several tips' images (a bulk import queues them in groups). One tip that
    cannot be drawn does not stop the others. Safe to run twice."""
    for tip_id in tip_ids:
        try:
            share_image_store.tip_share_image_generate(tip_id=tip_id)
        except Exception:
            logger.exception("Could not draw the share image of tip %s", tip_id)


@shared_task(name="qa.refresh_related_tips")
def refresh_related_tips(tip_ids: list[int]) -> None:
    """Recompute the stored related-tips lists of these tips (a tip they listed
    was unpublished or re-tagged). Safe to run twice."""
    related.related_tips_refresh(tip_ids=tip_ids)


@shared_task(name="qa.publish_related_tips")
def publish_related_tips(tip_ids: list[int]) -> None:
    """Related-tips lists for tips a bulk import published. Safe to run twice."""
    related.related_tips_publish_many(tip_ids=tip_ids)


@shared_task(name="qa.run_import_job")
def run_import_job(job_id: int) -> None:
    import_jobs.import_job_run(job_id=job_id)


@shared_task(name="qa.sweep_import_jobs")
def sweep_import_jobs() -> None:
    """Beat, every minute: fail imports whose worker died, delete finished imports' files."""
    import_jobs.import_jobs_sweep()
