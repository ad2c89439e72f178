"""Tipcast settings.

Every value is read from the environment (or a `.env` file beside manage.py) and
has a safe development default, so `make run` needs no configuration at all.
`.env.example` lists every variable with a comment. Secrets default to empty, and
a social network is enabled only when its credentials are present.
"""

from decimal import Decimal, InvalidOperation
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from supportsite.logging import default_log_format, logging_config
from supportsite.secret_key import secret_key_problem

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# Everything the running site writes locally (SQLite file, broker queue, media,
# dev e-mails) lives under var/, which is git-ignored.
VAR_DIR = Path(env.str("TIPCAST_VAR_DIR", default=str(BASE_DIR / "var")))

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development, test or production, not {DJANGO_ENV!r}.")
IS_PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DJANGO_DEBUG", default=not IS_PRODUCTION)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_ENV=production.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"
if IS_PRODUCTION and (_secret_key_problem := secret_key_problem(SECRET_KEY)):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY {_secret_key_problem}. Generate one with: "
        'python -c "import secrets; print(secrets.token_urlsafe(50))"'
    )
if IS_PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_ENV=production.")

# The absolute address of the public site. Canonical URLs, feeds, e-mails and
# social posts are built from it, never from the incoming Host header.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env.str("SITE_NAME", default="Tipcast")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[SITE_URL])
# A failed CSRF check keeps the text typed on the ask and sign-up pages (see the view).
CSRF_FAILURE_VIEW = "supportsite.csrf.csrf_failure"

# Links shown on the home page. Plain links: no third-party widgets or trackers.
COMPANY_X_URL = env.str("COMPANY_X_URL", default="")
COMPANY_FACEBOOK_URL = env.str("COMPANY_FACEBOOK_URL", default="")
# The default OpenGraph image (at least 1200x630); a static path or absolute URL.
OG_IMAGE = env.str("OG_IMAGE", default="img/og-default.png")
OG_IMAGE_WIDTH = env.int("OG_IMAGE_WIDTH", default=1200)
OG_IMAGE_HEIGHT = env.int("OG_IMAGE_HEIGHT", default=630)
# The font tips' share images are drawn with (a Noto Sans CJK .ttc/.otf). Empty:
# found among the usual places (Debian's fonts-noto-cjk first). None found: tip
# pages keep OG_IMAGE, the log and `manage.py check` say why.
SHARE_IMAGE_FONT = env.str("SHARE_IMAGE_FONT", default="")

INSTALLED_APPS = [
    # The admin theme (sidebar, dashboard, responsive lists): its templates must
    # be found before django.contrib.admin's. See supportsite/admin_theme.py.
    "unfold.apps.BasicAppConfig",
    "supportsite.apps.TipcastAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "taggit",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # After django.contrib.sites (keeps its row in step with SITE_URL and
    # SITE_NAME) and allauth.mfa (its admin replaces allauth's Authenticator admin).
    "supportsite.apps.SupportsiteConfig",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.twitter_oauth2",
    "allauth.socialaccount.providers.facebook",
    "allauth.socialaccount.providers.google",
    "qa",
    "conversations",
    "publishing",
    "metrics",
    "audits",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Facebook's crawler wants compressed pages; Django's GZip middleware adds
    # random padding against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    # NUL in a path, query or cookie: 404 (or the cookie dropped) before any query runs.
    "supportsite.invalid_characters.InvalidCharactersMiddleware",
    # Metrics (reach of tips): visits arriving from a network's UTM-tagged link,
    # counted outside the views so a page served from the page cache counts too.
    "metrics.visits.NetworkVisitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's LocaleMiddleware, plus `?lang=` (the hreflang alternates' addresses).
    "supportsite.locale.LocaleWithParameterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # After CSPMiddleware, so that it adds to the policy before CSPMiddleware writes it:
    # the admin theme's scripts need more than the public pages allow.
    "supportsite.admin_theme.AdminThemeCSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication and allauth: staff who must use a second factor and
    # have none are sent to set one up before any admin page.
    "supportsite.staff_mfa.StaffMFARequiredMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "supportsite.urls"
WSGI_APPLICATION = "supportsite.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "supportsite.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite by default (zero servers); PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `manage.py migrate` on a fresh checkout must work: the file's folder
    # (var/ by default) is created on first use.
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # A web server and a worker share the file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: every query here is short, and PostgreSQL decides on
    # JIT by the planner's estimate, which for search at a million tips
    # crosses jit_above_cost and adds ~100 ms of compiling to a 20 ms query.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions -----------------------------------------------------------
# Local memory by default; Redis in production (REDIS_CACHE_URL=redis://…).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://tipcast")}
if IS_PRODUCTION and CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    raise ImproperlyConfigured(
        "CACHE_URL must point at a shared cache (redis://…) when DJANGO_ENV=production: "
        "rate limits and sessions need one cache for every process."
    )
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same cache, without a new redis-py client per call (supportsite/redis_cache.py).
    CACHES["default"]["BACKEND"] = "supportsite.redis_cache.ReusedClientRedisCache"
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # Fail fast instead of hanging a request (or /healthz) when Redis is unreachable.
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", 2)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 2)
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Public pages anonymous visitors share are kept in that cache (qa/page_cache.py)
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

# --- Auth (django-allauth) ----------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_REDIRECT_URL = "/"
# Sign-up, password change and reset (allauth), the admin's user forms and
# createsuperuser all check new passwords against these.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
# allauth's own rate limits stay on (its defaults); they are kept in the cache above.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) with
# recovery codes. Staff must use it when TIPCAST_STAFF_REQUIRE_MFA is on (the
# production default): the admin's login goes through allauth's, which asks for
# the code, and a staff member without one is sent to set it up. Off in
# development and tests, so `make run`'s demo logins work with a password alone.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
MFA_ADAPTER = "supportsite.account_adapter.MFAAdapter"
MFA_FORMS = {
    "authenticate": "supportsite.mfa_forms.CodeAuthenticateForm",
    "reauthenticate": "supportsite.mfa_forms.CodeReauthenticateForm",
    "activate_totp": "supportsite.mfa_forms.CodeActivateTOTPForm",
}
# Also accept the code of the 30-second step before and after the current one:
# a phone's clock a few seconds off must not lock staff out (RFC 6238, 5.2).
MFA_TOTP_TOLERANCE = 1
TIPCAST_STAFF_REQUIRE_MFA = env.bool("TIPCAST_STAFF_REQUIRE_MFA", default=IS_PRODUCTION)
# Failed logins past the limit above get the 429 page (see the adapter).
ACCOUNT_ADAPTER = "supportsite.account_adapter.AccountAdapter"
# A social provider without credentials answers 404 instead of a 500.
SOCIALACCOUNT_ADAPTER = "supportsite.account_adapter.SocialAccountAdapter"


def _social_app(client_id_var: str, secret_var: str) -> dict | None:
    client_id = env.str(client_id_var, default="")
    secret = env.str(secret_var, default="")
    if bool(client_id) != bool(secret):
        raise ImproperlyConfigured(f"Set both {client_id_var} and {secret_var}, or neither.")
    return {"client_id": client_id, "secret": secret, "key": ""} if client_id else None


SOCIALACCOUNT_PROVIDERS = {}
for _provider, _id_var, _secret_var in [
    ("twitter_oauth2", "SOCIAL_X_CLIENT_ID", "SOCIAL_X_CLIENT_SECRET"),
    ("facebook", "SOCIAL_FACEBOOK_APP_ID", "SOCIAL_FACEBOOK_APP_SECRET"),
    ("google", "SOCIAL_GOOGLE_CLIENT_ID", "SOCIAL_GOOGLE_CLIENT_SECRET"),
]:
    _app = _social_app(_id_var, _secret_var)
    if _app:
        SOCIALACCOUNT_PROVIDERS[_provider] = {"APPS": [_app]}

# Admin login: attempts per IP (django-ratelimit syntax).
ADMIN_LOGIN_RATE = env.str("ADMIN_LOGIN_RATE", default="10/5m")
RATELIMIT_VIEW = "supportsite.views.rate_limited"

# --- Client IP behind proxies -----------------------------------------------------------
# How many proxies of ours stand in front of the site, each appending to
# X-Forwarded-For. 0: the connection address is the client (nothing in the
# header is believed). Every per-IP limit, django-ratelimit's key="ip" and
# allauth's, uses supportsite.client_ip.client_ip, which reads this.
TIPCAST_TRUSTED_PROXY_COUNT = env.int("TIPCAST_TRUSTED_PROXY_COUNT", default=0)
if TIPCAST_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TIPCAST_TRUSTED_PROXY_COUNT must be 0 or more.")
RATELIMIT_IP_META_KEY = "supportsite.client_ip.client_ip"
# allauth's own reading of the header (its adapter's get_client_ip is Tipcast's
# helper too; this keeps anything in allauth that reads the setting in step).
ALLAUTH_TRUSTED_PROXY_COUNT = TIPCAST_TRUSTED_PROXY_COUNT

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Used by the file-based backend (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Tipcast <support@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Staff addresses that hear about new questions and broken channels. When empty,
# every active staff user with an e-mail address is notified.
STAFF_NOTIFY_EMAILS = env.list("STAFF_NOTIFY_EMAILS", default=[])

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
# The admin theme's Japanese (supportsite/admin_locale, see its .po file) comes after
# Tipcast's own catalog, which makemessages keeps.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "supportsite" / "admin_locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "/static/"
# collectstatic writes here (the Docker image collects at build time).
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Images customers attach to their messages: private, so never under MEDIA_ROOT (a
# proxy may serve /media/ itself). Read only through qa.views.attachments.
CONVERSATION_ATTACHMENT_ROOT = Path(
    env.str("CONVERSATION_ATTACHMENT_ROOT", default=str(VAR_DIR / "private" / "attachments"))
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Outside production, WhiteNoise serves static files straight from the source
# folders, with DEBUG on or off (`make run` runs with DEBUG off, so that its
# error pages are the ones users see), without a collectstatic step.
WHITENOISE_USE_FINDERS = not IS_PRODUCTION

# --- Content-Security-Policy (django-csp) ---------------------------------------------------
# No inline scripts anywhere: every script is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "https:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", "https:"] if IS_PRODUCTION else ["'self'", "http:", "https:"],
    }
}

# The admin theme (django-unfold, see the README): the sidebar and the dashboard are
# built in supportsite/admin_theme.py; the colours are the public site's teal.
UNFOLD = {
    "SITE_TITLE": _("Tipcast"),
    "SITE_HEADER": _("Tipcast support"),
    "SITE_SYMBOL": "support_agent",
    "SITE_FAVICONS": "supportsite.admin_theme.favicons",
    "SIDEBAR": {"show_search": False, "show_all_applications": False, "navigation": "supportsite.admin_theme.sidebar"},
    "STYLES": ["supportsite.admin_theme.stylesheet", "supportsite.admin_theme.composer_stylesheet"],
    "ACCOUNT": {"navigation": "supportsite.admin_theme.account_links"},
    "COLORS": {
        "primary": {
            weight: f"oklch({lightness}% {chroma} 215)"
            for weight, lightness, chroma in [
                ("50", 97.5, 0.015),
                ("100", 94, 0.03),
                ("200", 88, 0.05),
                ("300", 80, 0.075),
                ("400", 70, 0.09),
                ("500", 58, 0.09),
                ("600", 47, 0.085),
                ("700", 41.5, 0.07),
                ("800", 35, 0.06),
                ("900", 29, 0.05),
                ("950", 22, 0.04),
            ]
        }
    },
}

# --- Q&A ------------------------------------------------------------------------------------
TIPS_PER_PAGE = env.int("TIPS_PER_PAGE", default=20)
# Public tip lists stop here (qa.pagination): a deeper page would pay an OFFSET over every newer tip.
PUBLIC_LIST_MAX_PAGES = 100
# URLs per sitemap section (the sitemap protocol allows at most 50,000); tests lower it.
SITEMAP_SECTION_SIZE = 50_000
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
# Images on a customer's message (qa.attachments): bytes per file, pixels per image
# (a small file can decode to gigabytes), files per message.
CONVERSATION_ATTACHMENT_MAX_BYTES = env.int("CONVERSATION_ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024)
CONVERSATION_ATTACHMENT_MAX_PIXELS = env.int("CONVERSATION_ATTACHMENT_MAX_PIXELS", default=25_000_000)
CONVERSATION_ATTACHMENTS_PER_MESSAGE = env.int("CONVERSATION_ATTACHMENTS_PER_MESSAGE", default=4)
# How long a "continue in private" link (conversations.handover) stays valid.
CONVERSATION_HANDOVER_LINK_DAYS = env.int("CONVERSATION_HANDOVER_LINK_DAYS", default=30)
QUESTION_TITLE_MAX_LENGTH = 200
QUESTION_BODY_MAX_LENGTH = env.int("QUESTION_BODY_MAX_LENGTH", default=10000)
# Staff are warned before publishing text that matches this order/membership
# number pattern (a Python regular expression).
PII_ORDER_NUMBER_PATTERN = env.str(
    "PII_ORDER_NUMBER_PATTERN",
    default=r"(?i)(?:order|member(?:ship)?|注文|会員)\s*(?:no\.?|number|番号|#)?\s*[:：#]?\s*[A-Z0-9-]{6,}",
)

# --- Celery -------------------------------------------------------------------------------------
# The filesystem transport needs no server: `make run` uses it. Production uses Redis.
CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL",
    # Tests get an in-process broker: a task a test enqueues must never land in
    # the queue a `make run` worker reads.
    default="memory://" if DJANGO_ENV == "test" else "filesystem://",
)
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Exchange tables; the transport would otherwise write ./control.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Must be longer than any countdown or ETA the tasks use (they use at most a
    # few minutes; long waits go through Delivery.scheduled_for and the sweeper).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # A broker that does not answer at all must not hold a staff request
        # for long (publishing.sending enqueues with no reconnect retries).
        "socket_connect_timeout": 2,
    }
# --- Celery: broker key prefix (Redis) ---
# Prepended to every key the broker keeps in Redis (queues, exchange bindings,
# unacknowledged messages), so that two sites, or a staging and a production
# site, can share one Redis database without taking each other's tasks. The
# end-to-end tests give each stack of processes its own (tests/publishing/e2e_stack.py).
CELERY_BROKER_KEY_PREFIX = env.str("CELERY_BROKER_KEY_PREFIX", default="")
if CELERY_BROKER_KEY_PREFIX and CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = CELERY_BROKER_KEY_PREFIX
# --- end of broker key prefix ---
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# The publishing sweeper: sends due deliveries (drip, retries, anything enqueued
# while the broker was down) and reconciles rows stuck in "sending".
PUBLISHING_SWEEP_INTERVAL_SECONDS = env.float("PUBLISHING_SWEEP_INTERVAL_SECONDS", default=10.0)
CELERY_BEAT_SCHEDULE = {
    "publishing-sweep": {
        "task": "publishing.sweep_deliveries",
        "schedule": PUBLISHING_SWEEP_INTERVAL_SECONDS,
        # A sweep that waits too long is dropped: the next one does its work.
        # Not after one interval only: behind busy pool processes every sweep
        # would expire (sweeps that do pile up find the rows already queued).
        "options": {"expires": max(PUBLISHING_SWEEP_INTERVAL_SECONDS, 30.0)},
    },
}

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

# --- Publishing (channels, deliveries, drip) ----------------------------------------
# Each network is one class, found by kind in this registry of dotted paths.
PUBLISHING_CHANNEL_CLASSES = {
    "console": "publishing.channels.console.ConsoleChannel",
    "x": "publishing.channels.x.XChannel",
    "facebook": "publishing.channels.facebook.FacebookChannel",
    "line": "publishing.channels.line.LineChannel",
    "bluesky": "publishing.channels.bluesky.BlueskyChannel",
    "mastodon": "publishing.channels.mastodon.MastodonChannel",
}
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
# --- Publishing: LINE Official Account (Messaging API) ---
# A long-lived channel access token; LINE is enabled when it is set. A broadcast
# goes to every friend and is billed per recipient, so each tip goes to LINE
# only when staff tick it (TipChannelSetting), and Tipcast refuses to send once
# the month's usage reaches this share of the plan's quota (read from the API).
LINE_CHANNEL_ACCESS_TOKEN = env.str("LINE_CHANNEL_ACCESS_TOKEN", default="")
LINE_QUOTA_SHARE = env.float("LINE_QUOTA_SHARE", default=0.9)
if not 0 < LINE_QUOTA_SHARE <= 1:
    raise ImproperlyConfigured(f"LINE_QUOTA_SHARE must be more than 0 and at most 1, not {LINE_QUOTA_SHARE}.")
# Where the Messaging API lives (tests point it at a fake LINE server).
LINE_API_BASE_URL = env.str("LINE_API_BASE_URL", default="https://api.line.me")
# --- end of LINE ---
# --- Publishing: Bluesky and Mastodon ---
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
PUBLISHING_MASTODON_TEMPLATE = env.str("PUBLISHING_MASTODON_TEMPLATE", default="{title}\n{url}\n{hashtags}")
# --- end of Bluesky and Mastodon ---
# The console channel logs posts; "auto" enables it only when no network is configured.
CONSOLE_CHANNEL = env.str("CONSOLE_CHANNEL", default="auto")
if CONSOLE_CHANNEL not in {"auto", "on", "off"}:
    raise ImproperlyConfigured(f"CONSOLE_CHANNEL must be auto, on or off, not {CONSOLE_CHANNEL!r}.")
# What X receives; placeholders: {title} {url} {hashtags}.
PUBLISHING_X_TEMPLATE = env.str("PUBLISHING_X_TEMPLATE", default="{title}\n{url}\n{hashtags}")
# UTM parameters on the links in posts (the canonical URL on the page stays clean).
PUBLISHING_UTM_ENABLED = env.bool("PUBLISHING_UTM_ENABLED", default=True)
PUBLISHING_UTM_MEDIUM = env.str("PUBLISHING_UTM_MEDIUM", default="social")
PUBLISHING_UTM_CAMPAIGN = env.str("PUBLISHING_UTM_CAMPAIGN", default="tip")
# Retries: exponential backoff with jitter, up to this many attempts in all.
PUBLISHING_MAX_ATTEMPTS = env.int("PUBLISHING_MAX_ATTEMPTS", default=8)
PUBLISHING_RETRY_BASE_SECONDS = env.int("PUBLISHING_RETRY_BASE_SECONDS", default=30)
PUBLISHING_RETRY_MAX_SECONDS = env.int("PUBLISHING_RETRY_MAX_SECONDS", default=3600)
# --- Publishing: claims, leases and reconciliation (exactly once under faults) ---
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
# The sweeper and reconciles have a queue of their own, which every worker
# consumes beside the default one: behind a backlog of hundreds of sends they
# would wait (and the sweep would expire), while they are what recovers rows
# whose messages were lost with a killed worker or a broker outage.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (
    Queue("celery", routing_key="celery"),
    Queue("publishing-control", routing_key="publishing-control"),
)
CELERY_TASK_ROUTES = {
    "publishing.sweep_deliveries": {"queue": "publishing-control"},
    "publishing.reconcile_delivery": {"queue": "publishing-control"},
    # Not behind a long import in the default queue either (the sweep finds dead ones).
    "qa.sweep_import_jobs": {"queue": "publishing-control"},
}
# --- end of claims, leases and reconciliation ---
# --- Publishing: monthly budgets per channel (publishing.budget) ---
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
# --- end of monthly budgets ---
# Drip: minimum minutes between two posts on one channel, and posting hours in
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
# Seconds before an HTTP call to a network gives up.
PUBLISHING_HTTP_TIMEOUT = env.float("PUBLISHING_HTTP_TIMEOUT", default=15.0)
# Dotted path of a callable returning the requests.Session the X and Facebook
# clients use. Empty means a plain session; the end-to-end tests point it at a
# session that sends traffic to a fake X/Facebook server on loopback.
PUBLISHING_REQUESTS_SESSION_FACTORY = env.str("PUBLISHING_REQUESTS_SESSION_FACTORY", default="")

# --- Conversations (listening, replies, follow-up) ----------------------------------------
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

# Listening (sources, feeds, polling). Each network's listening source is one class,
# found by kind (conversations/sources/), like PUBLISHING_CHANNEL_CLASSES; feeds are
# one source per subscription staff add, so they are not listed here.
# X mentions use the X channel's credentials above (X_API_KEY...); the account's
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
# --- end of conversations ---
# --- Conversations: support hours and the reply composer ---
# The weekly support hours and holidays (conversations admin) are read in this
# zone; the inbox says whether the team is on duty (seed 001: the call centre's hours).
SUPPORT_TIME_ZONE = env.str("SUPPORT_TIME_ZONE", default=TIME_ZONE)
# --- end of support hours and the reply composer ---
# --- Conversations: Facebook Page comments (conversations.sources.facebook_comments) ---
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
# --- end of Conversations: Facebook ---

# --- Logging -----------------------------------------------------------------------------------
# Stdout only; JSON lines in production, a plain line in development (see supportsite/logging.py).
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default=default_log_format(DJANGO_ENV))
LOGGING = logging_config(level=LOG_LEVEL, log_format=LOG_FORMAT, static_url=STATIC_URL)

# --- Metrics (the support lead's page) -----------------------------------------------
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

# --- Metrics: reach of tips (metrics-reach) ---
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
# --- end of Metrics: reach of tips ---

# --- Metrics: the page frame and the weekly e-mail summary (metrics-page) -----------------------
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
# --- end of Metrics: the page frame ---

# --- Quality audits (audits app) ----------------------------------------------------
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
# --- end of quality audits ---

# --- Production hardening ---------------------------------------------------------------------
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# Container healthchecks call /healthz over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

if DJANGO_ENV == "test":
    # Fast hashing keeps the suite quick; never used outside tests.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
