"""The real-browser harness: one system Chromium per session, a fresh context per test,
the site served by pytest-django's live_server in this process.

Why in-process (live_server) and eager Celery:
- The test database is pytest-django's (in-memory SQLite, or a PostgreSQL test
  database). A separate Celery worker process could not see an in-memory SQLite
  database, and would race the per-test flush. With task_always_eager, the
  after-commit enqueue in publishing.services calls the *real* task function,
  which calls the real delivery_send service and the console channel: the whole
  pipeline runs, only the broker hop is skipped. (Worker processes, kill -9 and
  the broker are covered by the end-to-end stack test, not here.)
- Django's locmem mail backend (set by pytest-django) lives in this process, so
  the verification link and the "answered" e-mail are read from mail.outbox.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import require_service

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("TIPCAST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_PATH = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
# Fail fast: a missing element should fail in seconds, not after 30.
DEFAULT_TIMEOUT_MS = 10_000
PASSWORD = "pw-123456!"  # the password tests/conftest.py gives its users


@pytest.fixture(scope="package")
def browser():
    """The system Chromium (Debian package), started once for this package and
    stopped after it. Without CI it skips with the reason; with CI=true it fails.

    While Playwright's sync API runs, an asyncio loop is "running" in the main
    thread and Django refuses ORM calls there (SynchronousOnlyOperation). The
    tests' own seeding and assertions are plain synchronous code, so the check is
    switched off for exactly as long as the browser runs: the rest of the suite
    runs after it is stopped, with the check on."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # pragma: no cover - playwright is in requirements-dev.txt
        require_service("Playwright", False, f"cannot import playwright: {error}")
    require_service("Chromium", os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing; apt-get install chromium")
    previous_async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except PlaywrightError as error:
        playwright.stop()
        _restore_env("DJANGO_ALLOW_ASYNC_UNSAFE", previous_async_unsafe)
        require_service("Chromium", False, f"{CHROMIUM} did not start: {str(error).splitlines()[0]}")
    yield instance
    instance.close()
    playwright.stop()
    _restore_env("DJANGO_ALLOW_ASYNC_UNSAFE", previous_async_unsafe)


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


@pytest.fixture
def site(live_server, settings):
    """The live site, configured so that a published tip is really delivered now.

    Returns the base URL (http://localhost:PORT)."""
    from supportsite.celery import app as celery_app

    settings.SITE_URL = live_server.url
    settings.CSRF_TRUSTED_ORIGINS = [live_server.url]
    # Only the console channel: a test must never reach a real network.
    settings.CONSOLE_CHANNEL = "on"
    for name in (
        "X_API_KEY",
        "X_API_SECRET",
        "X_ACCESS_TOKEN",
        "X_ACCESS_TOKEN_SECRET",
        "FACEBOOK_PAGE_ID",
        "FACEBOOK_PAGE_ACCESS_TOKEN",
        "BLUESKY_HANDLE",
        "BLUESKY_APP_PASSWORD",
        "MASTODON_API_BASE_URL",
        "MASTODON_ACCESS_TOKEN",
    ):
        setattr(settings, name, "")
    # Posting hours all day and no drip gap, so the console post goes out at
    # publish time whatever the clock says.
    settings.PUBLISHING_POSTING_HOURS = "00:00-24:00"
    settings.PUBLISHING_DRIP_INTERVAL_MINUTES = 0
    settings.PUBLISHING_CHANNEL_OVERRIDES = {
        kind: {"drip_interval_minutes": 0, "posting_hours": "00:00-24:00"}
        for kind in settings.PUBLISHING_CHANNEL_CLASSES
    }
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield live_server.url
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


class PageProblems:
    """Everything a page reports that a person would not see: dialogs (alert,
    confirm, prompt), uncaught errors and console messages."""

    def __init__(self):
        self.dialogs: list[str] = []
        self.page_errors: list[str] = []
        self.console: list[str] = []
        self.bad_responses: list[str] = []

    def attach(self, page) -> None:
        def on_dialog(dialog):
            self.dialogs.append(f"{dialog.type}: {dialog.message} on {page.url}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: self.page_errors.append(f"{error} on {page.url}"))
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text} on {page.url}"))
        page.on("response", self._on_response)

    def _on_response(self, response) -> None:
        # Browsers ask for /favicon.ico on pages that name no icon (the admin's);
        # that 404 is noise, not a broken page.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.bad_responses.append(f"{response.status} {response.request.method} {response.url}")

    def console_errors(self) -> list[str]:
        """Console errors, except failed loads: bad_responses names those with their URL."""
        return [line for line in self.console if line.startswith("error:") and "Failed to load resource" not in line]

    def assert_clean(self) -> None:
        assert not self.dialogs, self.dialogs
        assert not self.page_errors, self.page_errors
        assert not self.console_errors(), self.console_errors()
        assert not self.bad_responses, self.bad_responses


@pytest.fixture
def new_page(browser):
    """new_page(**context_options) -> (page, problems): a fresh, isolated context
    (own cookies, own language) per call; everything is closed after the test."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("locale", "en-US")
        context = browser.new_context(**options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        problems = PageProblems()
        problems.attach(page)
        return page, problems

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def signed_in(site):
    """signed_in(context, user): give a browser context the session of `user`, for
    tests about pages rather than about signing in (the flows sign in by hand)."""
    from django.conf import settings as django_settings
    from django.test import Client

    def sign_in(context, user) -> None:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": site}])

    return sign_in


@pytest.fixture(scope="package")
def screenshot_dir():
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    print(f"\nScreenshots are written to {SCREENSHOT_DIR}")
    return SCREENSHOT_DIR


@pytest.fixture(scope="session")
def axe_source():
    require_service("axe-core", AXE_PATH.exists(), f"{AXE_PATH} is missing; run `npm ci` (make test does it)")
    return AXE_PATH
