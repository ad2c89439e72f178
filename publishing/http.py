"""The requests session the X and Facebook clients send through.

settings.PUBLISHING_REQUESTS_SESSION_FACTORY (a dotted path to a callable) can
replace the plain requests.Session: the end-to-end tests use it to send all
network traffic to a fake X/Facebook server on loopback.
"""

from __future__ import annotations

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


def _session_factory():
    dotted_path = settings.PUBLISHING_REQUESTS_SESSION_FACTORY
    if not dotted_path:
        return requests.Session
    try:
        return import_string(dotted_path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"PUBLISHING_REQUESTS_SESSION_FACTORY = {dotted_path!r} cannot be imported: {exc}"
        ) from exc


def session_build() -> requests.Session:
    """A new session whose requests time out after PUBLISHING_HTTP_TIMEOUT
    seconds unless the caller passes its own timeout.

    tweepy calls session.request() without any timeout, so a hung X endpoint
    would block a worker forever; wrapping the instance's request() covers
    tweepy, facebook-sdk and any session class the factory returns.
    """
    session = _session_factory()()
    timeout = settings.PUBLISHING_HTTP_TIMEOUT
    send_request = session.request

    def request_with_timeout(method, url, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = timeout
        return send_request(method, url, **kwargs)

    session.request = request_with_timeout
    return session
