"""Template helpers for the public pages.

They only present data: search highlighting reuses qa.search; plain text and
excerpts are the tip's stored columns (no Markdown is converted on a read).
"""

import json

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.encoding import iri_to_uri
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from qa.content_language import language_codes
from qa.search import excerpt, highlight
from supportsite.locale import LANGUAGE_PARAM

register = template.Library()

# The characters that could end a <script> element or open an HTML comment,
# escaped the same way django.utils.html.json_script does.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}

# OpenGraph wants a territory; these are the site's languages.
_OG_LOCALES = {"en": "en_US", "ja": "ja_JP"}


@register.filter
def json_ld(data) -> str:
    """A schema.org JSON-LD block, safe inside HTML even when the text
    contains "</script>" (every <, > and & is a JSON unicode escape)."""
    payload = json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')


@register.filter
def highlight_terms(text: str, terms) -> str:
    """`text` escaped, with every search term wrapped in <mark>."""
    return highlight(text or "", list(terms or []))


@register.simple_tag
def search_excerpt(tip, terms) -> str:
    """A highlighted window of the tip's answer (or question) around the first match."""
    terms = list(terms or [])
    text = f"{tip.question_plain} {tip.answer_plain}".strip()
    return highlight(excerpt(text, terms), terms)


@register.simple_tag
def og_image_url() -> str:
    """The absolute URL of the default OpenGraph image (a static path or a URL)."""
    image = settings.OG_IMAGE
    if image.startswith(("http://", "https://")):
        return image
    return settings.SITE_URL + static(image)


@register.simple_tag
def og_locale() -> str:
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return _OG_LOCALES.get(language, language)


@register.simple_tag
def absolute_url(path: str) -> str:
    """SITE_URL + a site path: canonical links never trust the Host header."""
    return settings.SITE_URL + path


@register.inclusion_tag("includes/page_alternates.html", takes_context=True)
def page_alternates(context, page_number=1):
    """The canonical address of a public list in the page's language and its
    hreflang alternates: one address per UI language (`?lang=`,
    supportsite.locale), and the plain one (the visitor's own language) as
    x-default. Built from the path and page number alone, never the query
    string: a cached page must not carry the first visitor's tracking tags."""
    base = settings.SITE_URL + iri_to_uri(context["request"].path)
    page = f"&page={page_number}" if page_number and page_number > 1 else ""
    alternates = [(code, f"{base}?{LANGUAGE_PARAM}={code}{page}") for code in language_codes()]
    return {
        "canonical": f"{base}?{LANGUAGE_PARAM}={get_language()}{page}",
        "alternates": alternates,
        "default": base + (f"?page={page_number}" if page else ""),
        # "Also show tips in other languages": the same tips as the lists in each language.
        "noindex": context.get("all_languages", False),
    }


@register.simple_tag
def language_param() -> str:
    """`?lang=xx` for the page's language: feed and sitemap links name it."""
    return f"?{LANGUAGE_PARAM}={get_language()}"
