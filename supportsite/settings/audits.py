"""Quality audits: the weekly sample of staff replies."""

from django.core.exceptions import ImproperlyConfigured

from supportsite.settings.celery import CELERY_BEAT_SCHEDULE
from supportsite.settings.core import env

# Each week beat queues a random sample of last week's staff replies (Monday to
# Sunday in SUPPORT_TIME_ZONE) for the auditors; 0 turns the sampling off. Beat
# asks every hour, so the sample is queued in the first hour of Monday.
AUDIT_SAMPLE_SIZE = env.int("AUDIT_SAMPLE_SIZE", default=10)
if not 0 <= AUDIT_SAMPLE_SIZE <= 1000:
    raise ImproperlyConfigured("AUDIT_SAMPLE_SIZE must be between 0 and 1000.")
CELERY_BEAT_SCHEDULE["audits-sample"] = {
    "task": "audits.sample_last_week",
    "schedule": 3600.0,
    "options": {"expires": 3600.0},
}
