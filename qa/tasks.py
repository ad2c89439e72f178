"""Celery tasks of the qa app: load by id, call a service."""

from celery import shared_task

from qa import import_jobs, related, share_image_store


@shared_task(name="qa.generate_share_image")
def generate_share_image(tip_id: int) -> None:
    # Safe to run twice: an image that is already current is left alone.
    share_image_store.tip_share_image_generate(tip_id=tip_id)


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
