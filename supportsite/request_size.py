"""Per-view bounds on the size of a request body.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) bounds every request; a view
that only ever takes a few fields bounds its own far lower, and answers 413
with a readable page before its form or the sanitiser sees anything.
"""

from collections.abc import Callable
from functools import wraps

from django.shortcuts import render

# A character of a form field is at most 9 bytes in a request body: up to
# 3 bytes of UTF-8, each percent-encoded as %XX in application/x-www-form-urlencoded.
FORM_BYTES_PER_CHARACTER = 9
# Field names, the CSRF token and multipart boundaries.
FORM_OVERHEAD_BYTES = 4096


def form_body_max_bytes(characters: int) -> int:
    """The largest body a form of `characters` characters (all fields together) can need."""
    return FORM_BYTES_PER_CHARACTER * characters + FORM_OVERHEAD_BYTES


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def body_at_most(max_bytes: Callable[[], int]):
    """Answer 413 when the request body is longer than `max_bytes()` (a
    callable, so that settings changed in tests or at run time apply)."""

    def decorator(view):
        @wraps(view)
        def bounded(request, *args, **kwargs):
            if _content_length(request) > max_bytes():
                return render(request, "413.html", status=413)
            return view(request, *args, **kwargs)

        return bounded

    return decorator
