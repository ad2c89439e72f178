"""The page cache in front of the middleware stack (qa.page_cache.PublicPageCacheMiddleware):
a copy the stack has seen is served without the rest of the stack, with the same headers."""

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics.models import DailyCount
from metrics.self_service_events import SUGGESTION_CLICK, SUGGESTION_PARAMETER, SUGGESTION_VALUE

pytestmark = pytest.mark.django_db

# Headers the stack after the page cache adds (CSP, framing, language) and the page's own.
STACK_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "Content-Language", "Content-Type", "Vary")


@pytest.fixture
def stack_calls(monkeypatch):
    """How many requests reached the middleware after the page cache (sessions come first there)."""
    calls = []
    original = SessionMiddleware.process_request

    def counted(self, request):
        calls.append(request.path)
        return original(self, request)

    monkeypatch.setattr(SessionMiddleware, "process_request", counted)
    return calls


@pytest.fixture
def tip(make_tip):
    return make_tip(title="送料はいくらですか？", answer_text="全国一律500円です。", tags=["送料"])


def test_a_copy_the_stack_has_seen_is_served_before_it_with_the_same_headers(tip, stack_calls):
    url = tip.get_absolute_url()
    rendered = Client().get(url)  # rendered; the stack's headers are kept with the copy on its way out
    assert len(stack_calls) == 1
    with CaptureQueriesContext(connection) as context:
        served = Client().get(url)
    assert len(stack_calls) == 1 and len(context.captured_queries) == 0
    assert served.status_code == 200 and served.content == rendered.content
    for name in STACK_HEADERS:
        assert served[name] == rendered[name], name
    assert served["ETag"] == rendered["ETag"] and "public" in served["Cache-Control"]
    assert Client().get(url, HTTP_IF_NONE_MATCH=served["ETag"]).status_code == 304
    assert Client().head(url).status_code == 200
    assert len(stack_calls) == 1


def test_the_copy_is_chosen_in_the_language_the_locale_middleware_would_choose(tip, stack_calls):
    url = tip.get_absolute_url()
    for language in ("en", "ja"):
        Client().get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert len(stack_calls) == 2
    japanese = Client().get(url, HTTP_ACCEPT_LANGUAGE="ja-JP,ja;q=0.9")
    assert '<html lang="ja">' in japanese.content.decode() and japanese["Content-Language"] == "ja"
    by_cookie = Client()
    by_cookie.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    assert '<html lang="ja">' in by_cookie.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    by_address = Client().get(url + "?lang=en", HTTP_ACCEPT_LANGUAGE="ja")
    assert '<html lang="en">' in by_address.content.decode() and by_address["Content-Language"] == "en"
    assert len(stack_calls) == 2


def test_signed_in_visitors_other_methods_and_other_pages_go_through_the_stack(tip, customer, stack_calls):
    url = tip.get_absolute_url()
    Client().get(url)
    signed_in = Client()
    signed_in.force_login(customer)
    assert "Sign out" in signed_in.get(url).content.decode()
    assert Client().post(url).status_code == 405
    assert Client().get(reverse("qa:ask")).status_code in (200, 302)
    assert len(stack_calls) == 4


def test_what_is_counted_per_visit_is_counted_on_copies_served_before_the_stack(tip, stack_calls):
    url = f"{tip.get_absolute_url()}?{SUGGESTION_PARAMETER}={SUGGESTION_VALUE}"
    for _ in range(3):
        assert Client().get(url).status_code == 200
    assert len(stack_calls) == 1
    assert DailyCount.objects.get(event=SUGGESTION_CLICK, key=str(tip.pk)).count == 3


def test_a_copy_stored_without_the_front_gets_the_stacks_headers_when_next_served(tip, settings, stack_calls):
    url = tip.get_absolute_url()
    front = "qa.page_cache.PublicPageCacheMiddleware"
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != front]
    stored_by_the_view = Client().get(url)
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:5], front, *settings.MIDDLEWARE[5:]]
    through_the_view = Client().get(url)  # the copy exists but lacks the stack's headers
    served = Client().get(url)
    assert len(stack_calls) == 2
    assert stored_by_the_view.content == through_the_view.content == served.content
    for name in STACK_HEADERS:
        assert served[name] == stored_by_the_view[name], name
