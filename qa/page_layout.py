"""The site's layout (base.html) for pages shared by anonymous visitors,
rendered once per process and language instead of on every page view.

For a visitor who shares the page (qa.page_cache: no session, no messages)
base.html holds nothing of the visitor: no CSRF token, no user, no messages.
What it holds of the request is the page's path (the language switcher's
`next`) and which header link is current. So it is rendered once per
language, page name and year with slots in place of the title, the head, the
content and the path, and a page view fills them: about 2 ms of template
work per cold page less, the cost of the whole minimal view again.

Signed-in visitors, and anyone with a session, get base.html rendered for
them as before (qa.views), with their tokens. The copies are dropped when a
setting changes (tests) and are not kept with DEBUG on (templates edited in
`make run` show at once).
"""

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpResponse
from django.shortcuts import render as django_render
from django.template.context import make_context
from django.template.loader import get_template, render_to_string
from django.template.loader_tags import BLOCK_CONTEXT_KEY, BlockContext, ExtendsNode
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.html import conditional_escape, escape
from django.utils.translation import get_language

LAYOUT_TEMPLATE = "qa/shared_layout.html"
# Letters only: they go through the template's filters (iriencode) unchanged.
_SLOTS = ("tipcastslottitle", "tipcastslothead", "tipcastslotpath", "tipcastslotcontent")
_PATH = _SLOTS[2]
_BLOCKS = ("title", "head", "content")


def render(request, template_name: str, context: dict) -> HttpResponse:
    """django.shortcuts.render() for a page that extends base.html and fills
    its title, head and content blocks (no others): for a shared visitor only
    those blocks go through the template engine, into this process's copy of
    the layout."""
    if not getattr(request, "public_page_shared", False):
        return django_render(request, template_name, context)
    template = get_template(template_name).template
    extends = template.nodelist.get_nodes_by_type(ExtendsNode)[0]
    if set(extends.blocks) != set(_BLOCKS):
        raise ValueError(f"{template_name} must fill exactly the blocks {_BLOCKS} to be rendered in the shared layout")
    bound = make_context(context, request, autoescape=template.engine.autoescape)
    with bound.render_context.push_state(template), bound.bind_template(template):
        blocks = BlockContext()
        blocks.add_blocks(extends.blocks)
        bound.render_context[BLOCK_CONTEXT_KEY] = blocks
        title, head, content = (extends.blocks[name].render(bound) for name in _BLOCKS)
    return shared_page(request, title=title, head=head, content=content)


def render_blocks(request, template_name: str, *, title: str, head: str, content: str) -> HttpResponse:
    """render() for a page whose template fills the title, head and content
    blocks with these values as they are (qa/tip_detail.html: `title` is text,
    `head` and `content` safe HTML): a shared visitor's page is put together
    without the template engine at all."""
    if getattr(request, "public_page_shared", False):
        return shared_page(request, title=conditional_escape(title), head=head, content=content)
    return django_render(request, template_name, {"page_title": title, "head": head, "content": content})


def shared_page(request, *, title: str, head: str, content: str) -> HttpResponse:
    """The page base.html would give this shared visitor, with `title`, `head`
    and `content` (HTML) in its blocks."""
    match = request.resolver_match
    parts = _layout(request, get_language(), match.view_name if match else "", timezone.localdate().year)
    values = dict(zip(_SLOTS, (title, head, escape(iri_to_uri(request.path)), content), strict=True))
    return HttpResponse("".join(part if n % 2 == 0 else values[part] for n, part in enumerate(parts)))


def _layout(request, language: str, view_name: str, year: int) -> list[str]:
    if settings.DEBUG:
        return _render_layout(request)
    return _cached_layout(request, language, view_name, year)


def _render_layout(request) -> list[str]:
    """base.html with slots, split around them: text, slot name, text, slot name, …, text."""
    real_path = request.path
    request.path = _PATH
    try:
        html = render_to_string(
            LAYOUT_TEMPLATE, {"title_slot": _SLOTS[0], "head_slot": _SLOTS[1], "content_slot": _SLOTS[3]}, request
        )
    finally:
        request.path = real_path
    parts, order = [html], []
    while True:
        text = parts[-1]
        found = [(text.find(slot), slot) for slot in _SLOTS if slot in text]
        if not found:
            break
        position, slot = min(found)
        parts[-1:] = [text[:position], slot, text[position + len(slot) :]]
        order.append(slot)
    # The blocks once each (a change to base.html that breaks this must not go unseen); the path as often as
    # the language switchers name it.
    if [slot for slot in order if slot != _PATH] != [_SLOTS[0], _SLOTS[1], _SLOTS[3]]:
        raise RuntimeError(f"{LAYOUT_TEMPLATE} must hold the title, head and content slots once: found {order}")
    return parts


def _cached_layout(request, language: str, view_name: str, year: int) -> list[str]:
    key = (language, view_name, year)
    parts = _copies.get(key)
    if parts is None:
        parts = _copies[key] = _render_layout(request)
    return parts


# (language, view name, year) -> the layout's parts. A handful of entries.
_copies: dict[tuple, list[str]] = {}


def _forget(**kwargs) -> None:
    _copies.clear()


setting_changed.connect(_forget, dispatch_uid="qa-page-layout")
