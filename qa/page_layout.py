"""The site's layout (base.html) for pages shared by anonymous visitors,
rendered once per process and language instead of on every page view.

For a visitor who shares the page (qa.page_cache: no session, no messages)
base.html holds nothing of the visitor: no CSRF token, no user, no messages.
What it holds of the request is the page's path (the language switcher's
`next`) and which header link is current. So it is rendered once per
language, page name and year with slots in place of the title, the head, the
content and the path, and a page view fills them: about 2 ms of template
work per cold page less, the cost of the whole minimal view again.

A page's own blocks can be kept the same way (render's `slots`): the home
page's blocks are rendered once per language, path and the few values they
read, with placeholders for the parts that hold data (qa.home_page), which
each view fills.

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


def render(request, template_name: str, context: dict, *, slots: dict[str, str] | None = None) -> HttpResponse:
    """django.shortcuts.render() for a page that extends base.html and fills
    its title, head and content blocks (no others): for a shared visitor only
    those blocks go through the template engine, into this process's copy of
    the layout.

    `slots`: HTML the blocks show as it is (`{{ name }}`), the parts of the
    page that hold data. With them, a shared visitor's blocks are rendered
    once per process, language, path and `context` (the key: its values must be
    hashable) with placeholders, and each view fills them with its slots."""
    slots = slots or {}
    if not getattr(request, "public_page_shared", False):
        return django_render(request, template_name, {**context, **slots})
    if slots:
        blocks = [_filled(parts, slots) for parts in _cached_blocks(request, template_name, context, tuple(slots))]
    else:
        blocks = _render_blocks(request, template_name, context)
    title, head, content = blocks
    return shared_page(request, title=title, head=head, content=content)


def _render_blocks(request, template_name: str, context: dict) -> list[str]:
    """The page's title, head and content blocks, through the template engine."""
    template = get_template(template_name).template
    extends = template.nodelist.get_nodes_by_type(ExtendsNode)[0]
    if set(extends.blocks) != set(_BLOCKS):
        raise ValueError(f"{template_name} must fill exactly the blocks {_BLOCKS} to be rendered in the shared layout")
    bound = make_context(context, request, autoescape=template.engine.autoescape)
    with bound.render_context.push_state(template), bound.bind_template(template):
        blocks = BlockContext()
        blocks.add_blocks(extends.blocks)
        bound.render_context[BLOCK_CONTEXT_KEY] = blocks
        return [extends.blocks[name].render(bound) for name in _BLOCKS]


def _cached_blocks(request, template_name: str, context: dict, slot_names: tuple[str, ...]) -> list[list[str]]:
    """The page's blocks with a placeholder for each slot, split around them
    (text, slot name, text, …), rendered once per process and key."""
    match = request.resolver_match
    key = ("blocks", template_name, get_language(), match.view_name if match else "", request.path)
    key += (tuple(sorted(context.items())), slot_names)
    parts = None if settings.DEBUG else _copies.get(key)
    if parts is None:
        placeholders = {name: _placeholder(name) for name in slot_names}
        rendered = _render_blocks(request, template_name, {**context, **placeholders})
        by_placeholder = {placeholder: name for name, placeholder in placeholders.items()}
        parts, found = [], []
        for html in rendered:
            block_parts, order = _split(html, list(by_placeholder))
            parts.append([by_placeholder.get(part, part) if n % 2 else part for n, part in enumerate(block_parts)])
            found += order
        if sorted(found) != sorted(placeholders.values()):
            raise RuntimeError(f"{template_name} must show each of the slots {slot_names} once")
        if len(_copies) >= _MAX_COPIES:
            _copies.clear()  # a handful of pages use slots; this only bounds a surprise
        if not settings.DEBUG:
            _copies[key] = parts
    return parts


def _placeholder(name: str) -> str:
    # Letters only, like the layout's slots: the template shows it unchanged.
    return "tipcastslot" + "".join(letter for letter in name if letter.isalpha())


def _filled(parts: list[str], values: dict[str, str]) -> str:
    return "".join(part if n % 2 == 0 else values[part] for n, part in enumerate(parts))


def _split(html: str, markers: list[str]) -> tuple[list[str], list[str]]:
    """`html` split around each occurrence of the markers: text, marker, text,
    …, text; and the markers in the order found."""
    parts, order = [html], []
    while True:
        text = parts[-1]
        found = [(text.find(marker), marker) for marker in markers if marker in text]
        if not found:
            return parts, order
        position, marker = min(found)
        parts[-1:] = [text[:position], marker, text[position + len(marker) :]]
        order.append(marker)


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
    return HttpResponse(_filled(parts, values))


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
    parts, order = _split(html, list(_SLOTS))
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


# (language, view name, year) -> the layout's parts, and ("blocks", …) -> a
# page's blocks' parts (render's slots). A handful of entries.
_copies: dict[tuple, list] = {}
_MAX_COPIES = 512


def _forget(**kwargs) -> None:
    _copies.clear()


setting_changed.connect(_forget, dispatch_uid="qa-page-layout")
