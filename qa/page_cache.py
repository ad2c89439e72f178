"""Whole-page cache for the public site, and the HTTP caching headers.

A popular tip brings a burst of visitors who have no cookies yet: they all get
the same bytes, so the page is rendered once per language and served from the
cache (Redis in production, local memory in `make run`: Django's cache either
way) until something it shows changes.

Who shares a page: a GET or HEAD with no session cookie and no flash-message
cookie, so the visitor is anonymous, has no messages and has not voted. For
them the page carries no per-visitor data at all: the two forms such a page
holds (the "was this helpful?" vote and the language switcher) are rendered
without a CSRF token, and their views accept a same-origin POST instead
(qa.views.same_origin). That is what lets a CDN or reverse proxy cache these
pages too: `Cache-Control: public, s-maxage=…`, a strong `ETag`,
`Last-Modified`, and `Vary: Cookie, Accept-Language`. Everyone else (signed
in, or with a session) gets a page rendered for them, with tokens, marked
`private, no-store`.

Invalidation is explicit, by version numbers kept in the cache: one for every
public page (a tip, category or tag changed) and one per tip (a vote changed
its counts). A cached page holds the versions it was rendered under and is
served only while they are current, so bumping a version makes every page
rendered before it a miss (the next render replaces it; a hit is one cache
round trip: the versions and the page in one read). Versions are bumped at once and again after commit, so a request
that read the old rows between the two cannot leave a stale page behind.
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers, get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from supportsite.locale import request_language

ALL_PAGES_VERSION_KEY = "public-pages:version"
TIP_VERSION_KEY = "public-pages:tip:{pk}"


def _bump(key: str) -> None:
    _local_versions.pop(key, None)  # this process sees its own change at once
    try:
        cache.incr(key)
    except ValueError:
        # Missing (never set, or evicted): start from a value no earlier
        # version can have had, so no page cached before comes back.
        cache.add(key, time.time_ns(), timeout=None)


def _bump_now_and_after_commit(key: str) -> None:
    _bump(key)
    transaction.on_commit(lambda: _bump(key))


def invalidate_all() -> None:
    """Every public page changes: a tip was published, edited or unpublished,
    or a category or tag changed."""
    _bump_now_and_after_commit(ALL_PAGES_VERSION_KEY)


def invalidate_tip(*, tip_id: int) -> None:
    """Only this tip's own page changes (its vote counts)."""
    _bump_now_and_after_commit(TIP_VERSION_KEY.format(pk=tip_id))


def is_shared_request(request) -> bool:
    """True when the page must be the same for every such visitor (see the module docstring)."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


def all_pages_version() -> str:
    """The current version of every public page. Data those pages show that
    changes only with it (the categories and their counts) can be kept by a
    process under it (qa.page_selectors.category_list_all)."""
    kept = _local_versions.get(ALL_PAGES_VERSION_KEY)
    now = time.monotonic()
    if kept is not None and kept[1] > now:
        return kept[0]
    version = _versions_from(cache.get_many([ALL_PAGES_VERSION_KEY]), [ALL_PAGES_VERSION_KEY])
    if settings.PUBLIC_PAGE_LOCAL_SECONDS > 0:
        _local_versions[ALL_PAGES_VERSION_KEY] = (version, now + settings.PUBLIC_PAGE_LOCAL_SECONDS)
    return version


def _version_keys(tip_id) -> list[str]:
    return [ALL_PAGES_VERSION_KEY] + ([TIP_VERSION_KEY.format(pk=tip_id)] if tip_id is not None else [])


def _versions_from(found: dict, keys: list[str]) -> str:
    versions = []
    for key in keys:
        if key not in found:
            cache.add(key, time.time_ns(), timeout=None)
            found[key] = cache.get(key)
        versions.append(str(found[key]))
    return ".".join(versions)


def _page_key(request, *, params, language: str) -> str:
    # Only the parameters the view reads: UTM tags and fbclid, which every
    # visitor from a post brings, must not make each visit a cache miss.
    query = "&".join(f"{name}={value}" for name in params for value in request.GET.getlist(name))
    address = hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()
    return f"public-page:{language}:{address}"


# This process's copies (PUBLIC_PAGE_LOCAL_SECONDS > 0): version key -> (value,
# recheck after), and page key -> entry, the most recently stored LOCAL_PAGES.
# Shared by the process's threads; each dict operation is atomic.
_local_versions: dict[str, tuple[str, float]] = {}
_local_pages: dict[str, dict] = {}
LOCAL_PAGES = 256


def _lookup(page_key: str, tip_id) -> tuple[str, dict | None]:
    """The versions the page depends on now, and its cached entry if it was
    rendered under exactly those: at most one cache round trip for a hit, none
    while this process's copies are fresh. (An entry holds the versions it was
    rendered under; a bumped version makes it a miss, and the next render
    replaces it.)"""
    keys = _version_keys(tip_id)
    local_seconds = settings.PUBLIC_PAGE_LOCAL_SECONDS
    now = time.monotonic()
    if local_seconds > 0:
        known = [_local_versions.get(key) for key in keys]
        if all(version is not None and version[1] > now for version in known):
            versions = ".".join(version[0] for version in known)
            entry = _local_pages.get(page_key)
            if entry is not None and entry["versions"] == versions:
                return versions, entry
    found = cache.get_many([*keys, page_key])
    entry = found.pop(page_key, None)
    versions = _versions_from(found, keys)
    if entry is not None and entry.get("versions") != versions:
        entry = None
    if local_seconds > 0:
        for key, value in zip(keys, versions.split("."), strict=True):
            _local_versions[key] = (value, now + local_seconds)
        if entry is not None:
            _remember(page_key, entry)
    return versions, entry


def _remember(page_key: str, entry: dict) -> None:
    if settings.PUBLIC_PAGE_LOCAL_SECONDS <= 0:
        return
    _local_pages.pop(page_key, None)
    _local_pages[page_key] = entry
    while len(_local_pages) > LOCAL_PAGES:
        try:
            del _local_pages[next(iter(_local_pages))]
        except (KeyError, RuntimeError, StopIteration):  # another thread evicted it first
            break


# A view may leave a note on its response (`response.public_page_note`) for the
# code around the cached view: it is kept with the page and put back on the
# response served from the cache, e.g. the search page's "nothing found", which
# is counted on every request, served from the cache or not.
NOTE_ATTRIBUTE = "public_page_note"


def _entry(response) -> dict:
    content = response.content
    return {
        "note": getattr(response, NOTE_ATTRIBUTE, None),
        "content": content,
        # Content-Type, and X-Robots-Tag where a view sets it (the sitemap).
        "headers": dict(response.headers),
        "etag": f'"{hashlib.sha256(content).hexdigest()[:32]}"',
        "last_modified": time.time(),
    }


def _shared_response(request, entry: dict) -> HttpResponse:
    response = HttpResponse(entry["content"])
    for name, value in entry["headers"].items():
        response[name] = value
    response["ETag"] = entry["etag"]
    response["Last-Modified"] = http_date(entry["last_modified"])
    response["Cache-Control"] = f"public, max-age=0, s-maxage={settings.PUBLIC_PAGE_SHARED_MAX_AGE}"
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    response = get_conditional_response(
        request, etag=entry["etag"], last_modified=int(entry["last_modified"]), response=response
    )
    setattr(response, NOTE_ATTRIBUTE, entry.get("note"))
    return response


@dataclass(frozen=True)
class PageOptions:
    """How a public view's page is cached; kept on the view as `public_page`,
    where PublicPageCacheMiddleware finds it through the URL resolver."""

    params: tuple[str, ...] = ()
    tip_kwarg: str | None = None
    # Called with (request, response, view kwargs) for every response the view's
    # address gives, served from the cache or not: what is counted per visit.
    counted: Callable | None = None


def public_page(view=None, *, params=(), tip_kwarg=None, counted=None):
    """Serve a public page from the cache to visitors who share it.

    `params`: the query parameters the page depends on (e.g. "page");
    `tip_kwarg`: the URL argument naming the tip the page belongs to, whose
    own version (votes) the page depends on too; `counted`: see PageOptions."""
    options = PageOptions(params=tuple(params), tip_kwarg=tip_kwarg, counted=counted)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = _served(view, options, request, args, kwargs)
            if options.counted is not None:
                options.counted(request, response, kwargs)
            return response

        wrapper.public_page = options
        return wrapper

    return decorator(view) if view is not None else decorator


def _served(view, options: PageOptions, request, args, kwargs):
    if not is_shared_request(request):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response
    request.public_page_shared = True
    if settings.PUBLIC_PAGE_CACHE_SECONDS <= 0:  # the cache is off: every visitor's page is rendered
        response = _rendered(view(request, *args, **kwargs))
        return response if _not_shareable(response) else _shared_response(request, _entry(response))
    # Looked up already by PublicPageCacheMiddleware (a miss, or a copy it could not serve), or here.
    looked_up = getattr(request, _FRONT_LOOKUP, None)
    if looked_up is not None:
        key, versions, entry = looked_up
    else:
        key = _page_key(request, params=options.params, language=request.LANGUAGE_CODE)
        versions, entry = _lookup(key, _tip_id(options, kwargs))
    if entry is None:
        entry = _render_once(key, versions, lambda: _rendered(view(request, *args, **kwargs)))
        if isinstance(entry, HttpResponseBase):
            return entry
    response = _shared_response(request, entry)
    setattr(response, _SERVED_ENTRY, (key, entry))
    return response


def _tip_id(options: PageOptions, kwargs: dict):
    return kwargs.get(options.tip_kwarg) if options.tip_kwarg else None


def _rendered(response):
    if hasattr(response, "render") and not response.is_rendered:
        response = response.render()  # a TemplateResponse (the sitemaps)
    return response


def _not_shareable(response) -> bool:
    # Redirects, 404s and anything that sets a cookie go out as they are.
    return response.status_code != 200 or response.streaming or bool(response.cookies)


# A page missing from the cache is rendered by one request at a time ("dogpile"
# protection): when a post sends hundreds of visitors to a tip at once, the
# first renders it while the others wait for its copy, instead of every worker
# rendering the same page at the same moment. A waiter renders the page
# itself if the lock frees without a copy (a 404 or a redirect is not cached)
# or after RENDER_WAIT_SECONDS (a renderer that died; its lock expires after
# RENDER_LOCK_SECONDS).
RENDER_LOCK_SECONDS = 10
RENDER_WAIT_SECONDS = 3.0
_FIRST_POLL_SECONDS, _LAST_POLL_SECONDS = 0.005, 0.05


def _render_once(key: str, versions: str, render):
    """The cache entry for `key` under `versions`, rendered by this request or
    another one; or the response itself when it is not to be shared."""
    lock_key = f"{key}:rendering:{versions}"
    deadline = time.monotonic() + RENDER_WAIT_SECONDS
    poll = _FIRST_POLL_SECONDS
    while not cache.add(lock_key, 1, RENDER_LOCK_SECONDS):
        if time.monotonic() >= deadline:
            return _render_and_store(key, versions, render)
        time.sleep(poll)
        poll = min(poll * 2, _LAST_POLL_SECONDS)
        entry = cache.get(key)
        if entry is not None and entry.get("versions") == versions:
            _remember(key, entry)
            return entry
    try:
        return _render_and_store(key, versions, render)
    finally:
        cache.delete(lock_key)


def _render_and_store(key: str, versions: str, render):
    response = render()
    if _not_shareable(response):
        return response
    entry = {**_entry(response), "versions": versions}
    cache.set(key, entry, settings.PUBLIC_PAGE_CACHE_SECONDS)
    _remember(key, entry)
    return entry


# --- Before the middleware stack ---------------------------------------------
# A hit served by the view still pays for every middleware in front of it
# (sessions, CSRF, authentication, messages, CSP...): more than the hit itself,
# and the reason a cached page served fewer requests per second than the same
# bytes as a static file. PublicPageCacheMiddleware sits right after the visit
# counter: it finds the page's view with the URL resolver, looks the page up in
# the language LocaleWithParameterMiddleware would choose, and serves the copy
# with the headers the whole stack gave it when it was rendered (CSP,
# X-Frame-Options, Content-Language, Vary), which for a shared request do not
# depend on the visitor. A copy stored before those headers were known (by a
# request that rendered it, or when this middleware is not installed) is served
# through the view once more, and the stack's headers are added to it then.
_FRONT_LOOKUP = "_public_page_lookup"
_SERVED_ENTRY = "_public_page_entry"
# Set per response from the entry (see _shared_response), so not kept from the stack.
_PER_RESPONSE_HEADERS = frozenset({"etag", "last-modified", "cache-control"})


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        page = _front_page(request)
        if page is None:
            return self.get_response(request)
        options, kwargs, key, versions, entry = page
        if entry is not None and entry.get("stack_headers"):
            response = _shared_response(request, entry)
            if options.counted is not None:
                options.counted(request, response, kwargs)
            return response
        setattr(request, _FRONT_LOOKUP, (key, versions, entry))
        response = self.get_response(request)
        served = getattr(response, _SERVED_ENTRY, None)
        if served is not None and response.status_code == 200 and not served[1].get("stack_headers"):
            _keep_stack_headers(*served, response)
        return response


def _front_page(request):
    """The page's options, its view's arguments, cache key, versions and entry;
    None when the request is not for a shared public page."""
    if not is_shared_request(request) or settings.PUBLIC_PAGE_CACHE_SECONDS <= 0:
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    options = getattr(match.func, "public_page", None)
    if options is None:
        return None
    key = _page_key(request, params=options.params, language=request_language(request))
    versions, entry = _lookup(key, _tip_id(options, match.kwargs))
    return options, match.kwargs, key, versions, entry


def _keep_stack_headers(key: str, entry: dict, response) -> None:
    headers = {name: value for name, value in response.headers.items() if name.lower() not in _PER_RESPONSE_HEADERS}
    entry = {**entry, "headers": headers, "stack_headers": True}
    cache.set(key, entry, settings.PUBLIC_PAGE_CACHE_SECONDS)
    _remember(key, entry)
