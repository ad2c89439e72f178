"""DJANGO_ENV=production, exercised in subprocesses (settings are read once per process).

`check --deploy` is clean; requests get HSTS, a Referrer-Policy and a CSP without
inline scripts; plain HTTP is redirected unless a proxy says it was HTTPS (and
/healthz never is); collectstatic produces compressed files with hashed names
that WhiteNoise serves; logs are JSON lines.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
PROD_REDIS_DB = 6  # this suite's own Redis database number


def production_env(tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL", "CELERY_"))}
    env.update(
        {
            "DJANGO_ENV": "production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "support.example.com",
            "SITE_URL": "https://support.example.com",
            # Nothing in check --deploy or collectstatic connects to it.
            "CACHE_URL": f"redis://127.0.0.1:6379/{PROD_REDIS_DB}",
            "TIPCAST_VAR_DIR": str(tmp_path / "var"),
            "STATIC_ROOT": str(tmp_path / "staticfiles"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.update(extra)
    return env


def run(args: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, **kwargs)


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], env)


def test_check_deploy_reports_no_warnings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_refuses_a_local_memory_cache(tmp_path):
    result = manage("check", env=production_env(tmp_path, CACHE_URL="locmemcache://"))

    assert result.returncode != 0
    assert "CACHE_URL" in result.stderr


def env_example_value(name: str) -> str:
    line = next(line for line in (BASE_DIR / ".env.example").read_text().splitlines() if line.startswith(f"{name}="))
    return line.split("=", 1)[1]


@pytest.mark.parametrize(
    "secret_key, reason",
    [
        (env_example_value("DJANGO_SECRET_KEY"), "placeholder"),
        ("change-me-" + secrets.token_urlsafe(50), "placeholder"),
        ("django-insecure-" + secrets.token_urlsafe(50), "placeholder"),
        (secrets.token_urlsafe(30), "at least 50"),
        ("abcdefgh" * 8, "different characters"),
    ],
    ids=["env-example", "change-me", "django-insecure", "short", "low-variety"],
)
def test_production_refuses_a_placeholder_short_or_patterned_secret_key(tmp_path, secret_key, reason):
    result = manage("check", env=production_env(tmp_path, DJANGO_SECRET_KEY=secret_key))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr
    assert reason in result.stderr
    # The refusal names the variable, never the value it refused.
    assert secret_key not in result.stderr


def test_development_keeps_its_built_in_key_and_password_only_staff(tmp_path):
    """`make run` needs no configuration: its built-in key, and its demo staff
    login without a second factor (TIPCAST_STAFF_REQUIRE_MFA is off)."""
    env = production_env(tmp_path, DJANGO_ENV="development")
    del env["DJANGO_SECRET_KEY"]
    probe = "from django.conf import settings; print('MFA', settings.TIPCAST_STAFF_REQUIRE_MFA)"
    result = manage("shell", "-c", probe, env=env)
    assert result.returncode == 0, result.stderr
    assert "MFA False" in result.stdout


SETTINGS_PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "proxy": settings.SECURE_PROXY_SSL_HEADER,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "hsts": [settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD],
    "secure_cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_timeouts": settings.CACHES["default"].get("OPTIONS", {}),
    "sessions": settings.SESSION_ENGINE,
    "static": settings.STORAGES["staticfiles"]["BACKEND"],
    "formatter": settings.LOGGING["handlers"]["stdout"]["formatter"],
    "staff_mfa": settings.TIPCAST_STAFF_REQUIRE_MFA,
    "password_validators": [v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS],
}))
"""


def test_production_values(tmp_path):
    result = manage("shell", "-c", SETTINGS_PROBE, env=production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])

    assert values["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["ssl_redirect"] is True
    assert values["hsts"] == [31536000, True, True]
    assert values["secure_cookies"] == [True, True]
    # Django's Redis cache, reusing its redis-py client (supportsite/redis_cache.py).
    assert values["cache"] == "supportsite.redis_cache.ReusedClientRedisCache"
    assert values["cache_timeouts"] == {"socket_connect_timeout": 2, "socket_timeout": 2}
    assert values["sessions"] == "django.contrib.sessions.backends.cached_db"
    assert values["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["formatter"] == "json"
    assert values["staff_mfa"] is True
    assert values["password_validators"] == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]


# Requests through Django's test client inside a production process. Prints one
# JSON object per request so the test can assert on status and headers.
REQUESTS_PROBE = """
import json, re
from django.test import Client
from django.contrib.staticfiles.storage import staticfiles_storage

def describe(response):
    return {"status": response.status_code, "headers": dict(response.headers),
            "cookies": {k: {"secure": bool(m["secure"])} for k, m in response.cookies.items()}}

client = Client(HTTP_HOST="support.example.com")
out = {}
out["http"] = describe(client.get("/ask/"))
out["https"] = describe(client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https"))
out["healthz_http"] = describe(client.get("/healthz"))
css = staticfiles_storage.url("admin/css/base.css")
out["css_url"] = css
out["css"] = describe(client.get(css, HTTP_ACCEPT_ENCODING="gzip", HTTP_X_FORWARDED_PROTO="https"))
print("PROBE " + json.dumps(out))
"""


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """Collected once for the module (a Django process and every static file): the tests
    using it read the files and never change them."""
    env = production_env(tmp_path_factory.mktemp("production"))
    result = manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return env


def test_collectstatic_writes_compressed_files_with_hashed_names(collected):
    static_root = Path(collected["STATIC_ROOT"])
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    hashed = manifest["paths"]["admin/css/base.css"]

    assert hashed != "admin/css/base.css" and hashed.endswith(".css")
    assert (static_root / hashed).is_file()
    assert (static_root / (hashed + ".gz")).is_file()


@pytest.mark.redis
def test_requests_in_production(collected, tmp_path, redis_url):
    # Its own database and broker folder; the collected static files are shared.
    env = dict(
        collected, CACHE_URL=redis_url.rsplit("/", 1)[0] + f"/{PROD_REDIS_DB}", TIPCAST_VAR_DIR=str(tmp_path / "var")
    )
    (tmp_path / "var" / "broker" / "queue").mkdir(parents=True)
    assert manage("migrate", "--noinput", env=env).returncode == 0

    result = manage("shell", "-c", REQUESTS_PROBE, env=env)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.split("PROBE ", 1)[1])

    # Plain HTTP is sent to HTTPS, on the canonical host.
    assert probe["http"]["status"] == 301
    assert probe["http"]["headers"]["Location"] == "https://support.example.com/ask/"
    # Behind the proxy (X-Forwarded-Proto: https) the page is served, hardened.
    https = probe["https"]
    assert https["status"] == 200
    headers = https["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    csp = dict(
        (part.split()[0], part.split()[1:]) for part in headers["Content-Security-Policy"].split(";") if part.strip()
    )
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert https["cookies"]["csrftoken"]["secure"] is True
    # Container healthchecks speak plain HTTP: never redirected.
    assert probe["healthz_http"]["status"] == 200
    # WhiteNoise serves the hashed, compressed stylesheet with a long cache lifetime.
    assert probe["css_url"].startswith("/static/admin/css/base.") and probe["css_url"] != "/static/admin/css/base.css"
    css = probe["css"]
    assert css["status"] == 200
    assert css["headers"]["Content-Encoding"] == "gzip"
    assert "immutable" in css["headers"]["Cache-Control"]


LOG_PROBE = "import logging; logging.getLogger('tipcast.probe').warning('配送について %s', 'テスト')"


def test_production_logs_are_json_lines(tmp_path):
    result = manage("shell", "-c", LOG_PROBE, env=production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    record = next(r for r in records if r.get("logger") == "tipcast.probe")

    assert record["level"] == "WARNING"
    assert record["message"] == "配送について テスト"
    assert record["time"]


def test_development_logs_are_plain_and_log_format_is_validated(tmp_path):
    env = production_env(tmp_path, DJANGO_ENV="development")
    plain = manage("shell", "-c", LOG_PROBE, env=env)
    assert plain.returncode == 0, plain.stderr
    line = next(line for line in plain.stdout.splitlines() if "tipcast.probe" in line)
    assert line.endswith("WARNING tipcast.probe 配送について テスト")

    wrong = manage("check", env=dict(env, LOG_FORMAT="xml"))
    assert wrong.returncode != 0
    assert "LOG_FORMAT" in wrong.stderr
