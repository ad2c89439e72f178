"""Refuse NUL (and, in paths, other control characters) before any view runs.

PostgreSQL refuses NUL in text: a NUL that reaches a query is a server error,
not an empty result (`/categories/%00/`, `?status=%00` in an admin list, a
session cookie ending in `\\000`). SQLite accepts it, so the bug hides in
development.

Why one middleware at the edge, and not URL converters or per-view checks:
path parameters are only half of it. Query strings are read by the admin's
list filters and search, allauth, django-taggit and our own views, and each
new filter or route would need its own guard. No URL, query string or cookie
has a legitimate use for NUL, so one check before the first line of
application code closes all of them, today's and tomorrow's.

- A path with NUL or any other control character (U+0000–U+001F, U+007F) is a
  404: no page has such an address, and they are what breaks databases, log
  lines and headers.
- A query string with NUL in any name or value is a 404 too ("no such page"
  is the honest answer for `?status=%00`; other control characters are
  ordinary text to search for and stay allowed).
- A cookie holding NUL is dropped, as if it had not been sent: a visitor with
  a damaged cookie gets a fresh session instead of an error on every page.

Form fields (POST bodies) are not checked here: Django's form fields refuse
NUL with a message the person can act on, which is kinder than a 404.
"""

import re

from django.http import Http404
from django.utils import translation

PATH_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f]")
NUL = "\x00"


def _query_has_nul(query) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in query.lists())


class InvalidCharactersMiddleware:
    """Placed before SessionMiddleware, so that a bad cookie never reaches the
    session store (settings.MIDDLEWARE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if PATH_CONTROL_CHARACTERS.search(request.path_info) or _query_has_nul(request.GET):
            # LocaleMiddleware has not run yet: the 404 page speaks the visitor's language all the same.
            translation.activate(translation.get_language_from_request(request))
            raise Http404("Invalid characters in the address.")
        if any(NUL in key or NUL in value for key, value in request.COOKIES.items()):
            request.COOKIES = {key: value for key, value in request.COOKIES.items() if NUL not in key + value}
        return self.get_response(request)
