"""Core settings: where values come from, which environment this is, the secret
key, hosts, apps, middleware, templates, database, cache, e-mail, languages,
static files, the admin theme and logging.

Every other settings module reads `env`, `DJANGO_ENV` and `IS_PRODUCTION` from
here, so this one is imported first and reads the `.env` file.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from supportsite.logging import default_log_format, logging_config
from supportsite.secret_key import secret_key_problem

# --- Environment and secrets ----------------------------------------------------------------------
# supportsite/settings/core.py: the project root is three folders up.
BASE_DIR = Path(__file__).resolve().parent.parent.parent
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

# --- Site and hosts -------------------------------------------------------------------------------
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

# --- Apps, middleware, URLs and templates ---------------------------------------------------------
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
    # A shared public page (anonymous, no cookies) straight from the page cache,
    # with the headers the middleware below gave it when it was rendered.
    "qa.page_cache.PublicPageCacheMiddleware",
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

# --- Database -------------------------------------------------------------------------------------
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
    # Prepared statements: a query a connection has run five times is planned
    # once and reused (psycopg's prepare_threshold; it needs server-side
    # parameter binding). Planning is most of what a short indexed query
    # costs here: a cold tip page's two queries took 0.38 ms to plan and
    # 0.09 ms to run. Django leaves them off because PgBouncer in transaction
    # mode before 1.21 cannot follow them: set DATABASE_PREPARED_STATEMENTS=false there.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
        DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions ---------------------------------------------------------------------------
# Local memory by default; Redis in production (CACHE_URL=redis://…).
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

# --- Email ----------------------------------------------------------------------------------------
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

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
# The admin theme's Japanese (supportsite/admin_locale, see its .po file) comes after
# Tipcast's own catalog, which makemessages keeps.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "supportsite" / "admin_locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------------
STATIC_URL = "/static/"
# collectstatic writes here (the Docker image collects at build time).
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
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

# --- Admin theme ----------------------------------------------------------------------------------
# django-unfold, see the README: the sidebar and the dashboard are
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

# --- Logging --------------------------------------------------------------------------------------
# Stdout only; JSON lines in production, a plain line in development (see supportsite/logging.py).
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default=default_log_format(DJANGO_ENV))
LOGGING = logging_config(level=LOG_LEVEL, log_format=LOG_FORMAT, static_url=STATIC_URL)
