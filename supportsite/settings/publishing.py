"""Publishing: the channels tips are posted to and their credentials, what each
network receives, sending (retries, claims, reconciliation, the sweeper), the
drip, and monthly budgets and prices."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ImproperlyConfigured

from supportsite.settings.celery import CELERY_BEAT_SCHEDULE
from supportsite.settings.core import env

# --- Channels -------------------------------------------------------------------------------------
# Each network is one class, found by kind in this registry of dotted paths.
PUBLISHING_CHANNEL_CLASSES = {
    "console": "publishing.channels.console.ConsoleChannel",
    "x": "publishing.channels.x.XChannel",
    "facebook": "publishing.channels.facebook.FacebookChannel",
    "line": "publishing.channels.line.LineChannel",
    "bluesky": "publishing.channels.bluesky.BlueskyChannel",
    "mastodon": "publishing.channels.mastodon.MastodonChannel",
}
# The console channel logs posts; "auto" enables it only when no network is configured.
CONSOLE_CHANNEL = env.str("CONSOLE_CHANNEL", default="auto")
if CONSOLE_CHANNEL not in {"auto", "on", "off"}:
    raise ImproperlyConfigured(f"CONSOLE_CHANNEL must be auto, on or off, not {CONSOLE_CHANNEL!r}.")

# X (OAuth 1.0a user context: these never expire, which suits a worker).
X_API_KEY = env.str("X_API_KEY", default="")
X_API_SECRET = env.str("X_API_SECRET", default="")
X_ACCESS_TOKEN = env.str("X_ACCESS_TOKEN", default="")
X_ACCESS_TOKEN_SECRET = env.str("X_ACCESS_TOKEN_SECRET", default="")
_x_values = [X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET]
if any(_x_values) and not all(_x_values):
    raise ImproperlyConfigured(
        "Set all of X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET, or none of them."
    )

# Facebook Page (a Page access token from a long-lived user token does not expire).
FACEBOOK_PAGE_ID = env.str("FACEBOOK_PAGE_ID", default="")
FACEBOOK_PAGE_ACCESS_TOKEN = env.str("FACEBOOK_PAGE_ACCESS_TOKEN", default="")
if bool(FACEBOOK_PAGE_ID) != bool(FACEBOOK_PAGE_ACCESS_TOKEN):
    raise ImproperlyConfigured("Set both FACEBOOK_PAGE_ID and FACEBOOK_PAGE_ACCESS_TOKEN, or neither.")
# facebook-sdk's own version list stops at 3.1; the client is pointed at this one.
FACEBOOK_GRAPH_API_VERSION = env.str("FACEBOOK_GRAPH_API_VERSION", default="v24.0")

# LINE Official Account (Messaging API): a long-lived channel access token; LINE
# is enabled when it is set. A broadcast goes to every friend and is billed per
# recipient, so each tip goes to LINE only when staff tick it (TipChannelSetting),
# and Tipcast refuses to send once the month's usage reaches this share of the
# plan's quota (read from the API).
LINE_CHANNEL_ACCESS_TOKEN = env.str("LINE_CHANNEL_ACCESS_TOKEN", default="")
LINE_QUOTA_SHARE = env.float("LINE_QUOTA_SHARE", default=0.9)
if not 0 < LINE_QUOTA_SHARE <= 1:
    raise ImproperlyConfigured(f"LINE_QUOTA_SHARE must be more than 0 and at most 1, not {LINE_QUOTA_SHARE}.")
# Where the Messaging API lives (tests point it at a fake LINE server).
LINE_API_BASE_URL = env.str("LINE_API_BASE_URL", default="https://api.line.me")

# Bluesky: the account's handle and an app password (Settings > App passwords),
# never the account password; the PDS that hosts the account (bsky.social unless
# it lives elsewhere). The session is stored in the database and reused.
BLUESKY_HANDLE = env.str("BLUESKY_HANDLE", default="")
BLUESKY_APP_PASSWORD = env.str("BLUESKY_APP_PASSWORD", default="")
BLUESKY_SERVICE_URL = env.str("BLUESKY_SERVICE_URL", default="https://bsky.social")
if bool(BLUESKY_HANDLE) != bool(BLUESKY_APP_PASSWORD):
    raise ImproperlyConfigured("Set both BLUESKY_HANDLE and BLUESKY_APP_PASSWORD, or neither.")

# Mastodon: the instance's URL and the bot account's access token (write:statuses, read:statuses).
MASTODON_API_BASE_URL = env.str("MASTODON_API_BASE_URL", default="")
MASTODON_ACCESS_TOKEN = env.str("MASTODON_ACCESS_TOKEN", default="")
if bool(MASTODON_API_BASE_URL) != bool(MASTODON_ACCESS_TOKEN):
    raise ImproperlyConfigured("Set both MASTODON_API_BASE_URL and MASTODON_ACCESS_TOKEN, or neither.")
# Seconds the instance's length limit (/api/v2/instance) is cached.
MASTODON_INSTANCE_CACHE_SECONDS = env.int("MASTODON_INSTANCE_CACHE_SECONDS", default=3600)

# --- What each network receives -------------------------------------------------------------------
# Placeholders: {title} {url} {hashtags}.
PUBLISHING_X_TEMPLATE = env.str("PUBLISHING_X_TEMPLATE", default="{title}\n{url}\n{hashtags}")
PUBLISHING_MASTODON_TEMPLATE = env.str("PUBLISHING_MASTODON_TEMPLATE", default="{title}\n{url}\n{hashtags}")
# UTM parameters on the links in posts (the canonical URL on the page stays clean).
PUBLISHING_UTM_ENABLED = env.bool("PUBLISHING_UTM_ENABLED", default=True)
PUBLISHING_UTM_MEDIUM = env.str("PUBLISHING_UTM_MEDIUM", default="social")
PUBLISHING_UTM_CAMPAIGN = env.str("PUBLISHING_UTM_CAMPAIGN", default="tip")

# --- Sending: retries, claims, leases and reconciliation (exactly once under faults) --------------
# Retries: exponential backoff with jitter, up to this many attempts in all.
PUBLISHING_MAX_ATTEMPTS = env.int("PUBLISHING_MAX_ATTEMPTS", default=8)
PUBLISHING_RETRY_BASE_SECONDS = env.int("PUBLISHING_RETRY_BASE_SECONDS", default=30)
PUBLISHING_RETRY_MAX_SECONDS = env.int("PUBLISHING_RETRY_MAX_SECONDS", default=3600)
# Seconds before an HTTP call to a network gives up.
PUBLISHING_HTTP_TIMEOUT = env.float("PUBLISHING_HTTP_TIMEOUT", default=15.0)
# Dotted path of a callable returning the requests.Session the X and Facebook
# clients use. Empty means a plain session; the end-to-end tests point it at a
# session that sends traffic to a fake X/Facebook server on loopback.
PUBLISHING_REQUESTS_SESSION_FACTORY = env.str("PUBLISHING_REQUESTS_SESSION_FACTORY", default="")
# A worker holds a delivery it is sending for this many seconds, renewing the
# lease while it works; a lease that runs out means the holder is gone, and the
# row is reconciled with the network (find()) before anything is re-sent.
PUBLISHING_CLAIM_LEASE_SECONDS = env.int("PUBLISHING_CLAIM_LEASE_SECONDS", default=15)
if PUBLISHING_CLAIM_LEASE_SECONDS < 3:
    raise ImproperlyConfigured("PUBLISHING_CLAIM_LEASE_SECONDS must be at least 3.")
# find() pages back through the account's posts until it passes the claim time;
# after this many pages (100 posts each) it gives up and the row becomes "unknown".
PUBLISHING_FIND_MAX_PAGES = env.int("PUBLISHING_FIND_MAX_PAGES", default=10)
if PUBLISHING_FIND_MAX_PAGES < 1:
    raise ImproperlyConfigured("PUBLISHING_FIND_MAX_PAGES must be at least 1.")
# The publishing sweeper: sends due deliveries (drip, retries, anything enqueued
# while the broker was down) and reconciles rows stuck in "sending". It has a
# queue of its own (CELERY_TASK_ROUTES).
PUBLISHING_SWEEP_INTERVAL_SECONDS = env.float("PUBLISHING_SWEEP_INTERVAL_SECONDS", default=10.0)
CELERY_BEAT_SCHEDULE["publishing-sweep"] = {
    "task": "publishing.sweep_deliveries",
    "schedule": PUBLISHING_SWEEP_INTERVAL_SECONDS,
    # A sweep that waits too long is dropped: the next one does its work.
    # Not after one interval only: behind busy pool processes every sweep
    # would expire (sweeps that do pile up find the rows already queued).
    "options": {"expires": max(PUBLISHING_SWEEP_INTERVAL_SECONDS, 30.0)},
}

# --- Drip -----------------------------------------------------------------------------------------
# Minimum minutes between two posts on one channel, and posting hours in
# TIME_ZONE ("HH:MM-HH:MM"). Per channel: PUBLISHING_DRIP_INTERVAL_MINUTES_X etc.
PUBLISHING_DRIP_INTERVAL_MINUTES = env.int("PUBLISHING_DRIP_INTERVAL_MINUTES", default=30)
PUBLISHING_POSTING_HOURS = env.str("PUBLISHING_POSTING_HOURS", default="09:00-21:00")
# The console channel has no followers to flood, so by default it posts at
# once, at any hour: in `make run` a published tip shows up within seconds.
_DRIP_DEFAULTS = {"console": (0, "00:00-24:00")}
PUBLISHING_CHANNEL_OVERRIDES = {
    kind: {
        "drip_interval_minutes": env.int(
            f"PUBLISHING_DRIP_INTERVAL_MINUTES_{kind.upper()}",
            default=_DRIP_DEFAULTS.get(kind, (PUBLISHING_DRIP_INTERVAL_MINUTES,))[0],
        ),
        "posting_hours": env.str(
            f"PUBLISHING_POSTING_HOURS_{kind.upper()}",
            default=_DRIP_DEFAULTS.get(kind, (None, PUBLISHING_POSTING_HOURS))[1],
        ),
    }
    for kind in PUBLISHING_CHANNEL_CLASSES
}

# --- Monthly budgets and prices per channel (publishing.budget) -----------------------------------
# A month runs from the 1st 00:00 to the end of the month in TIME_ZONE.
# Posts a channel may make per month; empty means no cap. Staff can change it
# on the channel health page (that value wins until cleared). At the cap, due
# posts wait as "held: budget" and go out oldest first when the cap is raised
# or the month changes.
PUBLISHING_MONTHLY_POST_CAPS = {
    kind: env.int(f"PUBLISHING_MONTHLY_POST_CAP_{kind.upper()}", default=None) for kind in PUBLISHING_CHANNEL_CLASSES
}
for _kind, _cap in PUBLISHING_MONTHLY_POST_CAPS.items():
    if _cap is not None and _cap < 0:
        raise ImproperlyConfigured(f"PUBLISHING_MONTHLY_POST_CAP_{_kind.upper()} must be 0 or more.")
# Price of one post, for the spend estimate on the channel health page. X bills
# each post on its pay-per-use plan, and one that carries a URL many times more
# (2026: about 0.20 against 0.015 USD); prices change, so they are settings.
PUBLISHING_PRICE_CURRENCY = env.str("PUBLISHING_PRICE_CURRENCY", default="USD")
_PRICE_DEFAULTS = {"x": ("0.20", "0.015")}
PUBLISHING_POST_PRICES = {
    kind: {
        "with_link": env.str(
            f"PUBLISHING_PRICE_WITH_LINK_{kind.upper()}", default=_PRICE_DEFAULTS.get(kind, ("0", "0"))[0]
        ),
        "without_link": env.str(
            f"PUBLISHING_PRICE_WITHOUT_LINK_{kind.upper()}", default=_PRICE_DEFAULTS.get(kind, ("0", "0"))[1]
        ),
    }
    for kind in PUBLISHING_CHANNEL_CLASSES
}
for _kind, _prices in PUBLISHING_POST_PRICES.items():
    for _name, _value in _prices.items():
        _variable = f"PUBLISHING_PRICE_{_name.upper()}_{_kind.upper()}"
        try:
            _prices[_name] = Decimal(_value)
        except InvalidOperation:
            raise ImproperlyConfigured(f"{_variable} must be a price such as 0.20, not {_value!r}.") from None
        if not _prices[_name].is_finite() or _prices[_name] < 0:
            raise ImproperlyConfigured(f"{_variable} must be a price of 0 or more, not {_value!r}.")
