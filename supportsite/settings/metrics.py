"""Metrics: the daily roll-ups, the reach of tips on the networks, and the weekly
e-mail summary."""

from django.core.exceptions import ImproperlyConfigured

from supportsite.settings.celery import CELERY_BEAT_SCHEDULE
from supportsite.settings.core import env

# --- Roll-ups -------------------------------------------------------------------------------------
# Daily roll-ups (metrics.rollups) for yesterday and today are recomputed by beat
# this often; any past day can be recomputed with `manage.py metrics_rollup`.
METRICS_ROLLUP_INTERVAL_SECONDS = env.float("METRICS_ROLLUP_INTERVAL_SECONDS", default=3600.0)
if METRICS_ROLLUP_INTERVAL_SECONDS < 60:
    raise ImproperlyConfigured("METRICS_ROLLUP_INTERVAL_SECONDS must be at least 60.")
CELERY_BEAT_SCHEDULE["metrics-rollup"] = {
    "task": "metrics.rollup",
    "schedule": METRICS_ROLLUP_INTERVAL_SECONDS,
    "options": {"expires": METRICS_ROLLUP_INTERVAL_SECONDS},
}

# --- Reach of tips --------------------------------------------------------------------------------
# Beat collects what X and Facebook report about each tip post one day and seven
# days after it went out, and each network's follower count once a day, this
# often (a failed fetch is tried again by the next run). X bills every read
# (CONVERSATION_X_READ_PRICE): about two reads per post and one a day for the
# followers, counted on the listening health page. 0 turns the collection off.
METRICS_REACH_INTERVAL_SECONDS = env.float("METRICS_REACH_INTERVAL_SECONDS", default=3600.0)
if 0 < METRICS_REACH_INTERVAL_SECONDS < 60:
    raise ImproperlyConfigured("METRICS_REACH_INTERVAL_SECONDS must be 0 (off) or at least 60.")
if METRICS_REACH_INTERVAL_SECONDS:
    CELERY_BEAT_SCHEDULE["metrics-reach-collect"] = {
        "task": "metrics.reach_collect",
        "schedule": METRICS_REACH_INTERVAL_SECONDS,
        "options": {"expires": METRICS_REACH_INTERVAL_SECONDS},
    }
# The Graph insights metric read as a Facebook post's impressions (Meta renames
# and retires insights metrics; post_media_view is the "views" metric).
FACEBOOK_POST_IMPRESSIONS_METRIC = env.str("FACEBOOK_POST_IMPRESSIONS_METRIC", default="post_impressions")

# --- The weekly e-mail summary --------------------------------------------------------------------
# Staff opt in on the metrics page; beat asks every hour, and on Monday from this hour
# (0-23, in SUPPORT_TIME_ZONE) each subscriber gets last week's headline figures once.
METRICS_WEEKLY_SUMMARY_HOUR = env.int("METRICS_WEEKLY_SUMMARY_HOUR", default=8)
if not 0 <= METRICS_WEEKLY_SUMMARY_HOUR <= 23:
    raise ImproperlyConfigured("METRICS_WEEKLY_SUMMARY_HOUR must be an hour from 0 to 23.")
CELERY_BEAT_SCHEDULE["metrics-weekly-summary"] = {
    "task": "metrics.weekly_summary",
    "schedule": 3600.0,
    "options": {"expires": 3600.0},
}
