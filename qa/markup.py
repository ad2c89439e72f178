"""The one sanitiser: Markdown in, safe HTML and plain text out.

Services store its output next to the Markdown source at save time; templates
mark only that stored output as safe.

Every step costs time linear in the length of the source, so no input can
stall a worker (issue 8; the README's "Markdown" section has the numbers):

- markdown-it-py parses CommonMark in linear time by design (Python-Markdown's
  link and bracket handling is quadratic: 10,000 `[` took 35 s).
- nh3 (the Rust sanitiser ammonia, on html5ever) cleans the HTML against the
  allow-list. An HTML5 tree builder checks the stack of open elements for
  each tag, so the depth is bounded before it runs: inline markup nested
  deeper than MAX_INLINE_DEPTH and raw HTML beyond MAX_RAW_HTML_TAGS tags are
  shown as text (block nesting is bounded by markdown-it's own maxNesting).
- Links are found by markdown-it's linkify (linkify-it-py); bleach's
  LinkifyFilter, used before, is superlinear (`http://a` followed by 20,000
  `(` took 8 s).

One parse gives both outputs: the HTML is rendered from the token stream and
the plain text is read from the same tokens (no second pass over the HTML).
bleach (html5lib, in Python) did the cleaning until the FAQ import showed it
was most of the time of every save: 5,000 answers took 86 s, 90 % of it in
Markdown and bleach.
"""

import html as html_module
import importlib
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "kbd",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "abbr": ["title"], "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

# The longest Markdown source a form, the admin or the import accepts (a
# customer's question is shorter: QUESTION_BODY_MAX_LENGTH).
# tests/qa/test_markup_cost.py shows the work is linear up to this size.
MARKDOWN_MAX_LENGTH = 20000

# Emphasis, strikethrough and links nested deeper than this are shown as their
# Markdown characters. Nobody writes ***__~~x~~__*** sixteen levels deep.
MAX_INLINE_DEPTH = 16
# Raw HTML tags in one source; past this, raw HTML is shown as text (as a
# disallowed tag always is). Staff paste a few <kbd> or <sub>, not hundreds.
MAX_RAW_HTML_TAGS = 100
# markdown-it fills a table row that is short of cells with empty ones, up to
# 65,536 per table: a 1,500-character table then grows into 650 kB of HTML.
# A few per table is all real tables need.
MAX_AUTOCOMPLETED_TABLE_CELLS = 64
# The table rule reads this module constant on every call (`rules_block.table`
# is also the name of the function, hence importlib).
importlib.import_module("markdown_it.rules_block.table").MAX_AUTOCOMPLETED_CELLS = MAX_AUTOCOMPLETED_TABLE_CELLS

# The page title is the only <h1>; a "# heading" in a tip becomes an <h2>.
_HEADING_TAGS = {"h1": "h2"}
# What an HTML5 parser reads as the start of a tag: "<" or "</", an ASCII
# letter, then anything up to white space, "/" or ">" (the tag name).
_TAG_START = re.compile(r"<(/?)([A-Za-z][^\t\n\r\f />]*)")


def _escape_disallowed_tags(raw_html: str) -> str:
    """Raw HTML with the "<" of every tag that is not on the allow-list escaped,
    so the tag is shown as text (as the author typed it) instead of being
    dropped by the sanitiser. Only what is shown changes: nh3 still cleans the
    result, so safety never depends on this."""

    def escape(match):
        name = match.group(2)
        allowed = name.isascii() and name.lower() in ALLOWED_TAGS
        return match.group(0) if allowed else "&lt;" + match.group(0)[1:]

    return _TAG_START.sub(escape, raw_html)


def _render_raw_html(self, tokens, idx, options, env) -> str:
    return _escape_disallowed_tags(tokens[idx].content)


def _render_image(self, tokens, idx, options, env) -> str:
    """Images are not on the allow-list (a customer's image would load from
    any server on every view): an image is a link to it, labelled with its
    alternative text, or just that text inside another link."""
    token = tokens[idx]
    alt = escapeHtml(self.renderInlineAsText(token.children or [], options, env))
    if token.meta.get("inside_link"):
        return alt
    src = escapeHtml(str(token.attrs.get("src", "")))
    title = token.attrs.get("title")
    title_attribute = f' title="{escapeHtml(str(title))}"' if title else ""
    return f'<a href="{src}"{title_attribute}>{alt or src}</a>'


def _new_parser() -> MarkdownIt:
    parser = MarkdownIt(
        "commonmark",
        # html: raw HTML reaches the sanitiser; allowed tags are kept, the rest shown as text.
        # breaks: a single newline is a line break, as customers expect (Python-Markdown's nl2br).
        {"html": True, "breaks": True, "linkify": True, "typographer": False},
    ).enable(["table", "strikethrough", "linkify"])
    # Every link is kept here; nh3 drops hrefs whose scheme is not allowed and
    # keeps the link text, so "[x](javascript:…)" shows "x", not the whole source.
    parser.validateLink = lambda url: True
    parser.add_render_rule("html_block", _render_raw_html)
    parser.add_render_rule("html_inline", _render_raw_html)
    parser.add_render_rule("image", _render_image)
    return parser


class _Tools(threading.local):
    """The parser's linkify matcher keeps state between calls, so each thread
    builds its own parser once."""

    def __init__(self):
        self.parser = _new_parser()
        # While set (markdown_rendered_once), sources already rendered: {source: Rendered}.
        self.memo: dict | None = None


_tools = _Tools()

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    # "*": no attribute on every tag (ammonia's default allows lang and title everywhere).
    # rel is not listed: nh3 sets it on every link (link_rel), whatever the source says.
    attributes={"*": set(), **{tag: set(names) - {"rel"} for tag, names in ALLOWED_ATTRIBUTES.items()}},
    url_schemes=set(ALLOWED_PROTOCOLS),
    link_rel=LINK_REL,
    strip_comments=True,
    # Disallowed tags are already text (_escape_disallowed_tags); nothing is removed with its content.
    clean_content_tags=set(),
)
# The text inside raw HTML blocks, for the plain text: every tag removed, its content kept.
_tag_stripper = nh3.Cleaner(tags=set(), attributes={}, clean_content_tags=set(), strip_comments=True)


def _as_text(token, content: str) -> None:
    token.type, token.tag, token.nesting, token.content = "text", "", 0, content


def _bound_inline_depth(children) -> None:
    """Open/close pairs nested deeper than MAX_INLINE_DEPTH become their
    Markdown characters. Also marks images inside links (_render_image)."""
    depth, demoted, open_links = 0, [], 0
    for token in children:
        if token.nesting == 1:
            depth += 1
            demoted.append(depth > MAX_INLINE_DEPTH)
            if demoted[-1]:
                _as_text(token, token.markup if token.markup != "linkify" else "")
            elif token.type == "link_open":
                open_links += 1
        elif token.nesting == -1 and demoted:
            depth -= 1
            if demoted.pop():
                _as_text(token, token.markup if token.markup != "linkify" else "")
            elif token.type == "link_close":
                open_links -= 1
        elif token.type == "image" and open_links:
            token.meta["inside_link"] = True


def _bounded(tokens):
    """The token stream, changed so that the HTML it renders nests boundedly."""
    raw_tags = 0
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = _HEADING_TAGS.get(token.tag, token.tag)
        elif token.type == "html_block":
            raw_tags += token.content.count("<")
            if raw_tags > MAX_RAW_HTML_TAGS:
                _as_text(token, token.content)
        elif token.type == "inline" and token.children:
            _bound_inline_depth(token.children)
            for child in token.children:
                if child.type == "html_inline":
                    raw_tags += 1
                    if raw_tags > MAX_RAW_HTML_TAGS:
                        _as_text(child, child.content)
    return tokens


def _parse(source: str) -> list:
    """The one Markdown parse behind every conversion, depth already bounded."""
    return _bounded(_tools.parser.parse(source, {}))


def _html(tokens) -> str:
    parser = _tools.parser
    # Without the final newline, as stored HTML has always been.
    return _cleaner.clean(parser.renderer.render(tokens, parser.options, {}).rstrip("\n"))


def _inline_text(children, parts: list) -> None:
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image" and child.children:
            _inline_text(child.children, parts)  # the link's label on the page
        # Raw inline tags (html_inline) are left out; the text around them is kept.


def _text(tokens) -> str:
    """The words of the token stream, without syntax or tags, white space collapsed."""
    parts: list[str] = []
    for token in tokens:
        if token.type == "inline":
            _inline_text(token.children or (), parts)
        elif token.type in ("code_block", "fence"):
            parts.append(token.content)
        elif token.type == "html_block":
            parts.append(html_module.unescape(_tag_stripper.clean(token.content)))
        elif token.type == "text":  # raw HTML past the budget, shown as written
            parts.append(token.content)
        parts.append("\n")  # blocks never run into each other
    return " ".join("".join(parts).split())


@dataclass(frozen=True)
class Rendered:
    html: str  # safe to show anyone
    text: str  # plain text for excerpts, meta descriptions, search and social posts


def markdown_render(source: str) -> Rendered:
    """HTML and plain text of a Markdown source, from one parse.

    Raw HTML in the source is shown as text unless it is on the allow-list;
    disallowed URL schemes (javascript:, data:, vbscript:) are dropped, and
    every link gets rel="nofollow ugc noopener".
    """
    if not source:
        return Rendered("", "")
    memo = _tools.memo
    if memo is not None and source in memo:
        return memo[source]
    tokens = _parse(source)
    rendered = Rendered(html=_html(tokens), text=_text(tokens))
    if memo is not None:
        memo[source] = rendered
    return rendered


@contextmanager
def markdown_rendered_once():
    """Within this block, each distinct source is rendered once in this thread
    (an import batch: answers repeat, a question may equal its answer). The
    memory it holds is released at the end of the block, so keep the block to
    a bounded amount of text."""
    outer = _tools.memo
    _tools.memo = {} if outer is None else outer
    try:
        yield
    finally:
        _tools.memo = outer


def render_markdown(source: str) -> str:
    """Safe HTML of a Markdown source (see markdown_render)."""
    if not source:
        return ""
    return _html(_parse(source))


def markdown_to_text(source: str) -> str:
    """Plain text of a Markdown source: no syntax, no tags, entities decoded.

    Computed at save time for excerpts, meta descriptions and social-post text.
    """
    if not source:
        return ""
    return _text(_parse(source))


# --- Text from networks and feeds ---------------------------------------------------------------
# A mention or a comment is plain text, a feed item is HTML from any blog: both
# become the same safe HTML as Markdown does (one allow-list, one rel), and
# both cost linear time.

# Tags of a feed item's HTML past which its markup is dropped and only its text
# kept (as for MAX_RAW_HTML_TAGS: the HTML5 tree builder's work grows with the
# depth). A long blog post has a few hundred.
MAX_FRAGMENT_TAGS = 2000
# Elements removed from a feed item with everything inside them: their content
# is code or another document, never words for the reader.
_DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "frame", "frameset", "object", "embed", "noscript", "template", "svg", "math"}
)
_fragment_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={"*": set(), **{tag: set(names) - {"rel"} for tag, names in ALLOWED_ATTRIBUTES.items()}},
    url_schemes=set(ALLOWED_PROTOCOLS),
    link_rel=LINK_REL,
    strip_comments=True,
    clean_content_tags=set(_DROPPED_WITH_CONTENT),
)
_fragment_text_cleaner = nh3.Cleaner(
    tags=set(), attributes={}, strip_comments=True, clean_content_tags=set(_DROPPED_WITH_CONTENT)
)
# Block-level tags: their text must not run into the next block's in the plain text.
_BLOCK_TAG = re.compile(r"<(?=/?(?:p|br|div|li|h[1-6]|tr|td|th|blockquote|pre|section|article)\b)", re.IGNORECASE)
# Stops at the next "<" too, so a run of "<" with no ">" is still read once.
_ANY_TAG = re.compile(r"<[^<>]*>?")
# Bidirectional embeddings, overrides (LRE RLE LRO RLO, closed by PDF) and
# isolates (LRI RLI FSI, closed by PDI). An unclosed RLO in a customer's post
# would reverse the text after it on the staff page; the marks (LRM, RLM) and
# right-to-left text itself are harmless and kept.
_EMBEDDINGS, _POP_EMBEDDING = "\u202a\u202b\u202d\u202e", "\u202c"
_ISOLATES, _POP_ISOLATE = "\u2066\u2067\u2068", "\u2069"
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def network_text_clean(text: str) -> str:
    """Text as a network gave it, fit to store: NUL removed (PostgreSQL refuses
    it in text), line endings made "\\n". Everything else is kept, right-to-left
    text and emoji included."""
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def _bidi_closed(text: str) -> str:
    """The text with every bidirectional embedding or isolate it opens closed
    at its end, so that its direction never leaks into what follows."""
    open_embeddings = max(0, sum(text.count(c) for c in _EMBEDDINGS) - text.count(_POP_EMBEDDING))
    open_isolates = max(0, sum(text.count(c) for c in _ISOLATES) - text.count(_POP_ISOLATE))
    return text + _POP_ISOLATE * open_isolates + _POP_EMBEDDING * open_embeddings


def _linkified_html(text: str) -> str:
    """Escaped text with its URLs as links (linkify-it, as in Markdown) and its
    line breaks as <br>."""
    parts, position = [], 0
    for match in _tools.parser.linkify.match(text) or ():
        parts.append(escapeHtml(text[position : match.index]))
        parts.append(f'<a href="{escapeHtml(match.url)}">{escapeHtml(text[match.index : match.last_index])}</a>')
        position = match.last_index
    parts.append(escapeHtml(text[position:]))
    return "".join(parts).replace("\n", "<br>\n")


def plain_text_render(text: str) -> Rendered:
    """Safe HTML and plain text of a post or comment from a network.

    Nothing in it is markup: "<b>" is shown as typed, "*" too. Line breaks are
    kept (blank lines separate paragraphs), URLs become links with the same
    rel as everywhere, and each paragraph closes the bidirectional controls it
    opens. Linear in the length of the text.
    """
    text = network_text_clean(text).strip()
    if not text:
        return Rendered("", "")
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(text) if p.strip()]
    html = "\n".join(f"<p>{_linkified_html(_bidi_closed(p.strip()))}</p>" for p in paragraphs)
    return Rendered(html=_cleaner.clean(html), text=" ".join(text.split()))


def html_fragment_render(fragment: str) -> Rendered:
    """Safe HTML and plain text of a feed item's HTML (its summary or content).

    The same allow-list as Markdown: scripts, styles, frames and embedded
    documents are removed with their content, event handlers and style
    attributes dropped, links get the same rel and dangerous schemes lose their
    href. Past MAX_FRAGMENT_TAGS tags only the text is kept (as plain text).
    """
    fragment = network_text_clean(fragment).strip()
    if not fragment:
        return Rendered("", "")
    if fragment.count("<") > MAX_FRAGMENT_TAGS:
        return plain_text_render(html_module.unescape(_ANY_TAG.sub(" ", fragment)))
    html = _bidi_closed(_fragment_cleaner.clean(fragment))
    text = html_module.unescape(_fragment_text_cleaner.clean(_BLOCK_TAG.sub(" <", fragment)))
    return Rendered(html=html, text=" ".join(text.split()))
