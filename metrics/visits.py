"""Visits arriving from each network's links, counted per day without cookies.

Every link Tipcast posts carries utm_source=<channel kind> (publishing.compose.
tip_link). This middleware counts a request whose query names a known network
once, in DailyCount("visit", <network>), and nothing else: no cookie is read
or set, no address, agent or user is kept. It sits in MIDDLEWARE, outside the
views, so a page served from the page cache (qa.page_cache, which answers right
after this middleware) is counted like one rendered.

Counted: a GET answered 200 (a redirect to the canonical address keeps the
tags and is counted where it lands; a 304 is the same browser again). Not
counted: link-preview robots, which fetch every link a post carries (X's and
Facebook's card crawlers and the like), matched on the User-Agent and
forgotten. An unknown utm_source is counted as "other", so junk values cannot
make new rows."""

from __future__ import annotations

from django.conf import settings

from metrics.services import daily_count_add

EVENT = "visit"
OTHER = "other"
# Parts of the User-Agent of link-preview robots and crawlers (lower case).
ROBOTS = (
    "bot",
    "crawler",
    "spider",
    "facebookexternalhit",
    "facebookcatalog",
    "meta-externalagent",
    "preview",
    "embedly",
    "slurp",
)


def visit_network(utm_source: str) -> str:
    """The DailyCount key for a utm_source: a channel kind, or "other"."""
    source = utm_source.strip().lower()
    return source if source in settings.PUBLISHING_CHANNEL_CLASSES else OTHER


def _is_robot(request) -> bool:
    agent = request.META.get("HTTP_USER_AGENT", "").lower()
    return not agent or any(part in agent for part in ROBOTS)


class NetworkVisitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        source = request.GET.get("utm_source") if request.method == "GET" else None
        if source and response.status_code == 200 and not _is_robot(request):
            daily_count_add(EVENT, visit_network(source))
        return response
