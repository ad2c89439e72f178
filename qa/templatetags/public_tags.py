"""Template helpers for the public pages.

They only present data: search highlighting reuses qa.search; plain text and
excerpts are the tip's stored columns (no Markdown is converted on a read).
"""

import json

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils import dateformat, formats
from django.utils.encoding import iri_to_uri
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import get_language, gettext

from qa import public_urls
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


# Tip cards and tag lists are written here in Python, not by an {% include %}
# per card: a list page shows up to 20 cards with a few tags each, and the
# template engine's include, filters and {% url %} per link were about half
# of a cold page's server time. The markup is the one the templates had.


def _tags_html(tip) -> str:
    tags = tip.tag_list
    if not tags:
        return ""
    items = []
    for tag in tags:
        name = escape(tag.name)
        link = f'<a href="{public_urls.tag_path(tag.slug)}">{name}</a>' if tag.slug else name
        items.append(f'<li class="tag" title="{name}">{link}</li>')
    # Outside the f-string: xgettext does not see calls inside one (makemessages would drop the msgid).
    label = escape(gettext("Tags"))
    return f'\n<ul class="tags" aria-label="{label}">{"".join(items)}</ul>\n'


@register.simple_tag
def fixed_url(name: str) -> str:
    """{% url name %} for a URL without arguments (the header's and footer's
    links), reversed once per process rather than on every page."""
    return public_urls.fixed_path(name)


@register.simple_tag
def tip_tags(tip) -> str:
    """The tip's tags, each a link to its tag page."""
    return mark_safe(_tags_html(tip))


@register.simple_tag
def tip_card(tip, terms=None) -> str:
    """A tip's card in a list: title, excerpt (or, with search `terms`, the
    highlighted passage that matched), date, category and tags."""
    lang = f' lang="{escape(tip.language)}"' if tip.language else ""
    title = highlight_terms(tip.title, terms) if terms else escape(tip.title)
    text = search_excerpt(tip, terms) if terms else escape(tip.excerpt)
    meta = []
    if tip.published_at:
        published = localtime(tip.published_at)
        meta.append(
            f'<time datetime="{dateformat.format(published, "c")}">'
            f"{escape(formats.date_format(published, 'DATE_FORMAT'))}</time>"
        )
    if tip.category_id:
        category = tip.category
        meta.append(
            f'<span aria-hidden="true">·</span> <a href="{public_urls.category_path(category.slug)}">'
            f"{escape(category.display_name)}</a>"
        )
    return mark_safe(
        f'<article class="card tip-card">\n'
        f'  <h3 dir="auto"{lang} class="tip-card__title"><a href="{tip.get_absolute_url()}">{title}</a></h3>\n'
        f'  <p{lang} class="tip-card__excerpt">{text}</p>\n'
        f'  <p class="tip-card__meta muted">\n    {" ".join(meta)}\n  </p>{_tags_html(tip)}\n</article>'
    )
