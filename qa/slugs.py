"""The slug in a tip's address, /tips/<id>/<slug>/ (issue 10: short, stable URLs)."""

import regex
from django.utils.text import slugify

from qa.models import TIP_SLUG_MAX_LENGTH


def tip_slug(text: str) -> str:
    """The slug part of a tip's address (/tips/<id>/<slug>/): ASCII words,
    at most TIP_SLUG_MAX_LENGTH characters, cut between words. Japanese text
    gets none (the address is then /tips/<id>/): percent-encoded it made
    addresses of hundreds of characters, and a machine romanisation often
    picks the wrong reading. Staff may type a romanised slug themselves.
    The id alone finds the tip; any other slug redirects to this one."""
    if _JAPANESE.search(text):
        return ""
    slug = slugify(text)
    if len(slug) > TIP_SLUG_MAX_LENGTH:
        cut = slug[: TIP_SLUG_MAX_LENGTH + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut else cut[:TIP_SLUG_MAX_LENGTH]
    return slug.strip("-")


# Kana and kanji: a title written in Japanese (mixed with Latin words or not).
_JAPANESE = regex.compile(r"[\p{Hiragana}\p{Katakana}\p{Han}]")
