"""Conversations: following up, listening to the networks (X mentions, Facebook
Page comments, feeds), the Facebook webhook and support hours."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ImproperlyConfigured

from supportsite.settings.celery import CELERY_BEAT_SCHEDULE
from supportsite.settings.core import DJANGO_ENV, TIME_ZONE, env

# --- Following up ---------------------------------------------------------------------------------
# A conversation waiting on the customer for this many days closes as expired
# (seed 001: stop following a thread after one or two weeks of silence); a new
# message from the customer reopens it. Checked by beat every hour.
CONVERSATION_FOLLOW_UP_DAYS = env.int("CONVERSATION_FOLLOW_UP_DAYS", default=14)
if CONVERSATION_FOLLOW_UP_DAYS < 1:
    raise ImproperlyConfigured("CONVERSATION_FOLLOW_UP_DAYS must be at least 1.")
CELERY_BEAT_SCHEDULE["conversations-expire"] = {
    "task": "conversations.expire",
    "schedule": 3600.0,
    "options": {"expires": 3600.0},
}

# --- Listening (sources, feeds, polling) ----------------------------------------------------------
# Each network's listening source is one class,
# found by kind (conversations/sources/), like PUBLISHING_CHANNEL_CLASSES; feeds are
# one source per subscription staff add, so they are not listed here.
# X mentions use the X channel's credentials (publishing: X_API_KEY...); the account's
# user id is the numeric prefix of X_ACCESS_TOKEN, so no setting is needed for it.
CONVERSATION_SOURCE_CLASSES = {
    "x_mentions": "conversations.sources.x_mentions.XMentionsSource",
    "facebook_comments": "conversations.sources.facebook_comments.FacebookCommentsSource",
}
# Seconds between polls of each source kind (beat). X bills every post read,
# so its poller asks only for what is new (since_id).
CONVERSATION_X_MENTIONS_POLL_SECONDS = env.float("CONVERSATION_X_MENTIONS_POLL_SECONDS", default=120.0)
CONVERSATION_FACEBOOK_POLL_SECONDS = env.float("CONVERSATION_FACEBOOK_POLL_SECONDS", default=300.0)
CONVERSATION_FEED_POLL_SECONDS = env.float("CONVERSATION_FEED_POLL_SECONDS", default=900.0)
for _name in ("X_MENTIONS", "FACEBOOK", "FEED"):
    if globals()[f"CONVERSATION_{_name}_POLL_SECONDS"] < 10:
        raise ImproperlyConfigured(f"CONVERSATION_{_name}_POLL_SECONDS must be at least 10.")
# A feed larger than this is refused (read in a stream, never held whole), and
# one whose server takes longer than the timeout (seconds, whole download) too.
CONVERSATION_FEED_MAX_BYTES = env.int("CONVERSATION_FEED_MAX_BYTES", default=5 * 1024 * 1024)
CONVERSATION_FEED_TIMEOUT_SECONDS = env.float("CONVERSATION_FEED_TIMEOUT_SECONDS", default=20.0)
# Feed URLs that lead to a private, loopback or link-local address are refused
# (staff must not be able to make the server read the internal network). Only
# the tests' loopback feed server needs this on.
CONVERSATION_FEED_ALLOW_PRIVATE_ADDRESSES = env.bool(
    "CONVERSATION_FEED_ALLOW_PRIVATE_ADDRESSES", default=DJANGO_ENV == "test"
)
# Price of one read on X's pay-per-use plan (2026: about 0.001 USD a post), for
# the month's estimate on the listening health page (currency: PUBLISHING_PRICE_CURRENCY).
try:
    CONVERSATION_X_READ_PRICE = Decimal(env.str("CONVERSATION_X_READ_PRICE", default="0.001"))
except InvalidOperation:
    raise ImproperlyConfigured("CONVERSATION_X_READ_PRICE must be a price such as 0.001.") from None
_listening_beat = {
    "x_mentions": CONVERSATION_X_MENTIONS_POLL_SECONDS,
    "facebook_comments": CONVERSATION_FACEBOOK_POLL_SECONDS,
    "feeds": CONVERSATION_FEED_POLL_SECONDS,
}
for _kind, _seconds in _listening_beat.items():
    # A poll that waited a whole interval is dropped: the next one reads the same items.
    CELERY_BEAT_SCHEDULE[f"conversations-poll-{_kind}"] = {
        "task": "conversations.poll_source",
        "schedule": _seconds,
        "kwargs": {"kind": _kind},
        "options": {"expires": _seconds},
    }

# --- Support hours and handing over ---------------------------------------------------------------
# The weekly support hours and holidays (conversations admin) are read in this
# zone; the inbox says whether the team is on duty (seed 001: the call centre's hours).
SUPPORT_TIME_ZONE = env.str("SUPPORT_TIME_ZONE", default=TIME_ZONE)
# How long a "continue in private" link (conversations.handover) stays valid.
CONVERSATION_HANDOVER_LINK_DAYS = env.int("CONVERSATION_HANDOVER_LINK_DAYS", default=30)

# --- Facebook Page comments (conversations.sources.facebook_comments) -----------------------------
# The Page's comments are read through FACEBOOK_PAGE_ID / FACEBOOK_PAGE_ACCESS_TOKEN
# (the publishing channel's credentials; the token needs pages_read_user_content
# and pages_manage_engagement to read comments, reply and like). How often it is
# polled is CONVERSATION_FACEBOOK_POLL_SECONDS (listening).
# A poll looks at the Page's posts created in the last N days, at most this many
# posts (the newest), and reads at most this many pages of 100 comments a post;
# what a capped post did not give is read by the next poll (the cursor stops there).
CONVERSATION_FACEBOOK_POST_MAX_AGE_DAYS = env.int("CONVERSATION_FACEBOOK_POST_MAX_AGE_DAYS", default=30)
CONVERSATION_FACEBOOK_MAX_POSTS = env.int("CONVERSATION_FACEBOOK_MAX_POSTS", default=100)
CONVERSATION_FACEBOOK_MAX_COMMENT_PAGES = env.int("CONVERSATION_FACEBOOK_MAX_COMMENT_PAGES", default=5)
for _name in (
    "CONVERSATION_FACEBOOK_POST_MAX_AGE_DAYS",
    "CONVERSATION_FACEBOOK_MAX_POSTS",
    "CONVERSATION_FACEBOOK_MAX_COMMENT_PAGES",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")
# The Page webhook (/webhooks/facebook/): Meta signs each delivery with the app
# secret (X-Hub-Signature-256); the verify token is the one typed into the app's
# webhook settings. Both empty: the webhook answers 404 and polling does the work.
FACEBOOK_APP_SECRET = env.str("FACEBOOK_APP_SECRET", default="")
FACEBOOK_WEBHOOK_VERIFY_TOKEN = env.str("FACEBOOK_WEBHOOK_VERIFY_TOKEN", default="")
# Largest webhook body accepted (Meta batches up to 1,000 changes; each is small).
FACEBOOK_WEBHOOK_MAX_BYTES = env.int("FACEBOOK_WEBHOOK_MAX_BYTES", default=1024 * 1024)
