"""The URL conf, walked: every route the site answers (test_permissions,
test_bad_input, test_bad_input_admin)."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

# A path converter (<int:pk>, <id>) or a named regex group ((?P<key>[-:\w]+)).
ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?\w+>|\(\?P<\w+>[^)]*\)")


def url_routes(patterns=None, prefix="", namespace=""):
    """Every route of the URL conf as (route, name): ("admin/qa/tip/<path:object_id>/change/",
    "admin:qa_tip_change"). The tables (permission_expectations) are keyed by route, or by name where the
    route is unstable (the admin's app list regex follows the order models register in)."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    routes = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            routes += url_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = ":".join(part for part in (namespace, pattern.name or "") if part)
            routes.append((prefix + str(pattern.pattern), name))
    return routes


def routes_with_parameters() -> list[str]:
    return [route for route, _name in url_routes() if ROUTE_PARAMETER.search(route)]


def route_filled(route: str, value: str) -> str:
    """The address of `route` with every parameter replaced by `value` (already
    percent-encoded): "tips/<int:pk>/" -> "/tips/VALUE/"."""
    return "/" + ROUTE_PARAMETER.sub(lambda _match: value, route).replace("^", "").replace("$", "")
