"""Shared fixtures. Plain functions: no factories until they pay for themselves."""

import os

import pytest
from django.contrib.auth import get_user_model

from qa import services
from qa.models import Category
from tests.shared_data import shared_data_needs_database, shared_data_release
from tests.support.processes import port_open

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def require_service(name: str, available: bool, hint: str) -> None:
    """Skip a test whose service is missing, except in CI, where it fails:
    CI must never pass by silently running less."""
    if available:
        return
    message = f"{name} is not available ({hint})"
    if IN_CI:
        pytest.fail(f"{message}; CI=true requires it", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def redis_url():
    from urllib.parse import urlparse

    parsed = urlparse(REDIS_URL)
    require_service("Redis", port_open(parsed.hostname or "127.0.0.1", parsed.port or 6379), REDIS_URL)
    return REDIS_URL


# Fixtures built with tests/shared_data.py.
SHARED_DATA_FIXTURES = {"world"}


def pytest_collection_modifyitems(items):
    shared_data_needs_database(items, SHARED_DATA_FIXTURES)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        shared_data_release(item, nextitem)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits live in the cache: start every test with a clean one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in Japanese leaves its language active on the thread; start
    every test in the site's default language instead of the last test's."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _private_media_root(settings, tmp_path_factory):
    """Files a test stores (tips' share images, attachments) go to temporary folders, never var/."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    settings.CONVERSATION_ATTACHMENT_ROOT = tmp_path_factory.mktemp("attachments")


@pytest.fixture(autouse=True)
def _private_channel_overrides(settings):
    """Tests change per-channel drip rules in place; give each test its own
    copy so no change outlives the test that made it."""
    import copy

    settings.PUBLISHING_CHANNEL_OVERRIDES = copy.deepcopy(settings.PUBLISHING_CHANNEL_OVERRIDES)


@pytest.fixture
def customer(db):
    return customer_create()


@pytest.fixture
def other_customer(db):
    return other_customer_create()


@pytest.fixture
def staff(db):
    return staff_create()


# The users above as plain functions, for builders that cannot use fixtures (tests/shared_data.py).
def customer_create():
    return _verified_user("customer@example.com")


def other_customer_create():
    return _verified_user("other@example.com")


def staff_create():
    return _verified_user("staff@example.com", is_staff=True, is_superuser=True)


def _verified_user(email: str, **extra):
    from allauth.account.models import EmailAddress

    user = get_user_model().objects.create_user(
        username=email.split("@")[0], email=email, password="pw-123456!", **extra
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def category(db):
    return category_create()


def category_create() -> Category:
    return Category.objects.create(name="Shipping", slug="shipping", order=1)


@pytest.fixture
def make_tip(db, category):
    """Create a tip (published by default) through the services."""

    def make(*args, category=category, **kwargs):
        return tip_make(*args, category=category, **kwargs)

    return make


def tip_make(
    title="How do I track my parcel?",
    answer_text="Use the tracking link in your e-mail.",
    *,
    category,
    question_text="",
    tags=None,
    publish=True,
    **kwargs,
):
    """What make_tip does, for builders that cannot use fixtures (tests/shared_data.py)."""
    tip = services.tip_create(
        title=title, answer_text=answer_text, question_text=question_text, tags=tags, category=category, **kwargs
    )
    if publish:
        tip = services.tip_publish(tip=tip, announce=False)
    return tip


@pytest.fixture
def make_question(db, customer, category):
    def make(title="Where is my parcel?", body="It has not arrived yet.", *, asker=None, **kwargs):
        return services.question_create(asker=asker or customer, title=title, body=body, category=category, **kwargs)

    return make
