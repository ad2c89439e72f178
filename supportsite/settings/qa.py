"""Q&A: the public pages and their cache, share images, asking and voting
limits, customers' attachments, and FAQ imports."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from supportsite.settings.celery import CELERY_BEAT_SCHEDULE
from supportsite.settings.core import IS_PRODUCTION, VAR_DIR, env

# --- Share images ---------------------------------------------------------------------------------
# The font tips' share images are drawn with (a Noto Sans CJK .ttc/.otf). Empty:
# found among the usual places (Debian's fonts-noto-cjk first). None found: tip
# pages keep OG_IMAGE, the log and `manage.py check` say why.
SHARE_IMAGE_FONT = env.str("SHARE_IMAGE_FONT", default="")

# --- Public pages ---------------------------------------------------------------------------------
# Public pages anonymous visitors share are kept in the default cache (qa/page_cache.py)
# this many seconds at most; any change to tips, categories or tags replaces them sooner.
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", default=600)
# How long a CDN or reverse proxy may serve those pages without asking again
# (Cache-Control s-maxage); it cannot hear about changes, so keep it short.
PUBLIC_PAGE_SHARED_MAX_AGE = env.int("PUBLIC_PAGE_SHARED_MAX_AGE", default=60)
# Each web process also keeps the pages it served and the cache's version numbers
# in its own memory, rechecking the versions in the shared cache at most this
# often: a warm page then costs no cache round trip, and a change reaches other
# processes' visitors within this many seconds (0: every request asks the cache).
PUBLIC_PAGE_LOCAL_SECONDS = env.float("PUBLIC_PAGE_LOCAL_SECONDS", default=1.0 if IS_PRODUCTION else 0.0)
# Tips on one page of a public list.
TIPS_PER_PAGE = env.int("TIPS_PER_PAGE", default=20)
# Public tip lists stop here (qa.pagination): a deeper page would pay an OFFSET over every newer tip.
PUBLIC_LIST_MAX_PAGES = 100
# URLs per sitemap section (the sitemap protocol allows at most 50,000); tests lower it.
SITEMAP_SECTION_SIZE = 50_000

# --- Asking, voting and follow-ups ----------------------------------------------------------------
# Asking: a signed-in customer may ask this many questions per user and per IP.
ASK_RATE_PER_USER = env.str("ASK_RATE_PER_USER", default="5/h")
ASK_RATE_PER_IP = env.str("ASK_RATE_PER_IP", default="20/h")
VOTE_RATE_PER_IP = env.str("VOTE_RATE_PER_IP", default="60/h")
# Markdown previews (the ask form's Preview button) per user and per IP.
PREVIEW_RATE_PER_USER = env.str("PREVIEW_RATE_PER_USER", default="20/m")
PREVIEW_RATE_PER_IP = env.str("PREVIEW_RATE_PER_IP", default="60/m")
# First votes on one tip from anonymous visitors on one IP address (best effort: qa.views.voting).
VOTE_ANONYMOUS_RATE_PER_IP_PER_TIP = env.str("VOTE_ANONYMOUS_RATE_PER_IP_PER_TIP", default="3/d")
# Follow-ups a customer may write in their conversations (My questions) per user and per IP.
FOLLOW_UP_RATE_PER_USER = env.str("FOLLOW_UP_RATE_PER_USER", default="20/h")
FOLLOW_UP_RATE_PER_IP = env.str("FOLLOW_UP_RATE_PER_IP", default="60/h")
QUESTION_TITLE_MAX_LENGTH = 200
QUESTION_BODY_MAX_LENGTH = env.int("QUESTION_BODY_MAX_LENGTH", default=10000)
# Staff are warned before publishing text that matches this order/membership
# number pattern (a Python regular expression).
PII_ORDER_NUMBER_PATTERN = env.str(
    "PII_ORDER_NUMBER_PATTERN",
    default=r"(?i)(?:order|member(?:ship)?|注文|会員)\s*(?:no\.?|number|番号|#)?\s*[:：#]?\s*[A-Z0-9-]{6,}",
)

# --- Customers' attachments -----------------------------------------------------------------------
# Images customers attach to their messages: private, so never under MEDIA_ROOT (a
# proxy may serve /media/ itself). Read only through qa.views.attachments.
CONVERSATION_ATTACHMENT_ROOT = Path(
    env.str("CONVERSATION_ATTACHMENT_ROOT", default=str(VAR_DIR / "private" / "attachments"))
)
# Images on a customer's message (qa.attachments): bytes per file, pixels per image
# (a small file can decode to gigabytes), files per message.
CONVERSATION_ATTACHMENT_MAX_BYTES = env.int("CONVERSATION_ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024)
CONVERSATION_ATTACHMENT_MAX_PIXELS = env.int("CONVERSATION_ATTACHMENT_MAX_PIXELS", default=25_000_000)
CONVERSATION_ATTACHMENTS_PER_MESSAGE = env.int("CONVERSATION_ATTACHMENTS_PER_MESSAGE", default=4)

# --- FAQ imports ----------------------------------------------------------------------------------
# FAQ imports started from the admin (qa.import_jobs): a running job whose
# worker has not reported progress for this long is marked failed (its worker
# died), by the sweep below and whenever its page is viewed. A batch of rows
# takes seconds; the lease leaves room for a slow, loaded machine.
IMPORT_JOB_LEASE_SECONDS = env.int("IMPORT_JOB_LEASE_SECONDS", default=600)
if IMPORT_JOB_LEASE_SECONDS < 60:
    raise ImproperlyConfigured("IMPORT_JOB_LEASE_SECONDS must be at least 60.")
CELERY_BEAT_SCHEDULE["import-jobs-sweep"] = {
    "task": "qa.sweep_import_jobs",
    "schedule": 60.0,
    "options": {"expires": 60.0},
}
