"""Addresses of tips, categories and tags without a `reverse()` per link.

A public page links to dozens of tips and tags; `reverse()` walks the URL
resolver each time (about a tenth of a cold tip page's server time). Each
address is instead a template reversed once per URLconf and script prefix,
into which the tip's id and the slug are put, quoted exactly as `reverse()`
quotes them, so both give the same strings (tests/qa/test_public_urls.py).
"""

from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

# What reverse() leaves unquoted in a path.
_SAFE = RFC3986_SUBDELIMS + "/~:@"
# Values no real id or slug takes; each is replaced by a format field.
_PK, _SLUG = 918273645, "public-urls-slug-placeholder"


@lru_cache(maxsize=32)
def _templates(urlconf: str, script_prefix: str) -> dict[str, str]:
    def template(name: str, **kwargs) -> str:
        path = reverse(name, urlconf=urlconf, kwargs=kwargs).replace("{", "{{").replace("}", "}}")
        return path.replace(str(_PK), "{pk}").replace(_SLUG, "{slug}")

    return {
        "tip": template("qa:tip_detail", pk=_PK, slug=_SLUG),
        "tip_short": template("qa:tip_detail_short", pk=_PK),
        "category": template("qa:category", slug=_SLUG),
        "tag": template("qa:tag", slug=_SLUG),
        "tip_vote": template("qa:tip_vote", pk=_PK),
    }


def _template(name: str) -> str:
    return _templates(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())[name]


def tip_path(pk: int, slug: str) -> str:
    """Tip.get_absolute_url(): the short address while the tip has no slug."""
    if not slug:
        return _template("tip_short").format(pk=int(pk))
    return _template("tip").format(pk=int(pk), slug=quote(slug, safe=_SAFE))


def tip_vote_path(pk: int) -> str:
    return _template("tip_vote").format(pk=int(pk))


def category_path(slug: str) -> str:
    return _template("category").format(slug=quote(slug, safe=_SAFE))


def tag_path(slug: str) -> str:
    return _template("tag").format(slug=quote(slug, safe=_SAFE))


@lru_cache(maxsize=256)
def _fixed(urlconf: str, script_prefix: str, name: str) -> str:
    return reverse(name, urlconf=urlconf)


def fixed_path(name: str) -> str:
    """reverse(name) for a URL that takes no arguments, looked up once."""
    return _fixed(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), name)
