"""The public page cache under a burst (qa.page_cache): a missing page is
rendered by one request while the others wait for its copy, and a web
process's own copies (PUBLIC_PAGE_LOCAL_SECONDS) are dropped by every change."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qa import page_cache, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def tip(make_tip):
    return make_tip(title="送料はいくらですか？", answer_text="全国一律500円です。", tags=["送料"])


@pytest.fixture
def local_copies(settings):
    settings.PUBLIC_PAGE_LOCAL_SECONDS = 60
    page_cache._local_versions.clear()
    page_cache._local_pages.clear()
    yield
    page_cache._local_versions.clear()
    page_cache._local_pages.clear()


def _queries(url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as context:
        response = Client().get(url)
    assert response.status_code == 200
    return len(context.captured_queries), response.content.decode()


def test_a_waiting_request_serves_the_copy_another_one_rendered(tip, monkeypatch):
    url = tip.get_absolute_url()
    _count, rendered = _queries(url)
    assert not page_cache._local_pages  # no local copies unless PUBLIC_PAGE_LOCAL_SECONDS is set
    # The stored copy (local memory cache keys are ":<version>:<key>").
    (page_key,) = [key.split(":", 2)[2] for key in cache._cache if ":public-page:" in key]
    stored = cache.get(page_key)
    cache.delete(page_key)
    # Another request holds the lock; it stores its copy while this one waits.
    lock_keys = []
    real_add = cache.add

    def add(key, value, timeout=None):
        if key.endswith(f":rendering:{stored['versions']}") and not lock_keys:
            lock_keys.append(key)
            cache.set(key.split(":rendering:")[0], stored)  # the other request finishes meanwhile
            return False
        return real_add(key, value, timeout)

    monkeypatch.setattr(cache, "add", add)
    count, waited = _queries(url)
    assert lock_keys and count == 0  # nothing rendered here: no query
    assert waited == rendered


def test_a_waiter_renders_itself_when_the_lock_frees_without_a_copy(tip, monkeypatch):
    url = tip.get_absolute_url()
    attempts = []
    real_add = cache.add

    def add(key, value, timeout=None):
        if ":rendering:" in key:
            attempts.append(key)
            if len(attempts) == 1:
                return False  # held by a request that then answered a redirect (nothing cached)
        return real_add(key, value, timeout)

    monkeypatch.setattr(cache, "add", add)
    count, html = _queries(url)
    assert len(attempts) == 2 and count > 0
    assert "送料はいくらですか？" in html
    assert cache.get(attempts[0]) is None  # its own lock released


def test_pages_that_are_not_shared_release_the_lock(client):
    response = client.get(reverse("qa:tip_detail_short", kwargs={"pk": 999999}))
    assert response.status_code == 404
    assert not [key for key in cache._cache if ":rendering:" in key]


def test_a_warm_page_costs_no_cache_call_while_local_copies_are_fresh(tip, local_copies, monkeypatch):
    url = tip.get_absolute_url()
    _count, first = _queries(url)
    calls = []
    for name in ("get", "get_many", "add", "set"):
        real = getattr(cache, name)
        monkeypatch.setattr(cache, name, lambda *a, _real=real, _name=name, **k: calls.append(_name) or _real(*a, **k))
    count, second = _queries(url)
    assert (count, calls) == (0, [])
    assert second == first


def test_a_change_in_this_process_drops_its_local_copies(tip, local_copies):
    url = tip.get_absolute_url()
    _queries(url)
    services.tip_update(tip=tip, title="送料は無料になりました")
    count, html = _queries(url)
    assert count > 0 and "送料は無料になりました" in html


def test_another_process_change_is_seen_once_local_versions_are_due(tip, local_copies, settings):
    url = tip.get_absolute_url()
    _queries(url)
    # Another web process bumps the shared version; this one rechecks when its copy is due.
    cache.incr(page_cache.ALL_PAGES_VERSION_KEY)
    assert _queries(url)[0] == 0  # within PUBLIC_PAGE_LOCAL_SECONDS: its own copy
    page_cache._local_versions.update({key: (value, 0) for key, (value, _due) in page_cache._local_versions.items()})
    assert _queries(url)[0] > 0  # due: asks the cache, sees the bump, renders


def test_the_cache_switched_off_renders_every_request(tip, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    url = tip.get_absolute_url()
    assert _queries(url)[0] > 0
    assert _queries(url)[0] > 0
    response = Client().get(url)
    assert response["Cache-Control"].startswith("public")  # still a page a CDN may share
