"""The one sanitiser: Markdown in, safe HTML out.

Services store its output next to the Markdown source at save time; templates
mark only that stored output as safe.

Every step costs time linear in the length of the source, so no input can
stall a worker (issue 8; the README's "Markdown" section has the numbers):

- markdown-it-py parses CommonMark in linear time by design (Python-Markdown's
  link and bracket handling is quadratic: 10,000 `[` took 35 s).
- bleach (html5lib) is quadratic in the nesting depth of the HTML it cleans,
  so before it runs, the depth is bounded: inline markup nested deeper than
  MAX_INLINE_DEPTH and raw HTML beyond MAX_RAW_HTML_TAGS tags are shown as
  text (block nesting is bounded by markdown-it's own maxNesting).
- Links are found by markdown-it's linkify (linkify-it-py), not bleach's
  LinkifyFilter, whose URL matching is superlinear (`http://a` followed by
  20,000 `(` took 8 s).
"""

import html as html_module
import importlib
import threading

import bleach
from bleach import html5lib_shim
from markdown_it import MarkdownIt

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


class _LinkRelFilter(html5lib_shim.Filter):
    """Every link, from Markdown or raw HTML, gets rel="nofollow ugc noopener"."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "a":
                token["data"] = {**token["data"], (None, "rel"): LINK_REL}
            yield token


def _new_parser() -> MarkdownIt:
    parser = MarkdownIt(
        "commonmark",
        # html: raw HTML reaches bleach, which keeps allowed tags and shows the rest as text.
        # breaks: a single newline is a line break, as customers expect (Python-Markdown's nl2br).
        {"html": True, "breaks": True, "linkify": True, "typographer": False},
    ).enable(["table", "strikethrough", "linkify"])
    # Every link is kept here; bleach drops hrefs whose scheme is not allowed and
    # keeps the link text, so "[x](javascript:…)" shows "x", not the whole source.
    parser.validateLink = lambda url: True
    return parser


class _Tools(threading.local):
    """The parser (its linkify matcher keeps state between calls) and bleach's
    cleaners are not thread-safe, so each thread builds its own once."""

    def __init__(self):
        self.parser = _new_parser()
        self.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=False,  # disallowed tags are shown as text, so nothing the author typed is lost
            strip_comments=True,
            filters=[_LinkRelFilter],
        )
        self.text_cleaner = bleach.Cleaner(tags=set(), strip=True, strip_comments=True)


_tools = _Tools()


def _as_text(token, content: str) -> None:
    token.type, token.tag, token.nesting, token.content = "text", "", 0, content


def _bound_inline_depth(children) -> None:
    """Open/close pairs nested deeper than MAX_INLINE_DEPTH become their Markdown characters."""
    depth, demoted = 0, []
    for token in children:
        if token.nesting == 1:
            depth += 1
            demoted.append(depth > MAX_INLINE_DEPTH)
            if demoted[-1]:
                _as_text(token, token.markup if token.markup != "linkify" else "")
        elif token.nesting == -1 and demoted:
            depth -= 1
            if demoted.pop():
                _as_text(token, token.markup if token.markup != "linkify" else "")


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


def _markdown_to_html(source: str) -> str:
    parser = _tools.parser
    env: dict = {}
    tokens = _bounded(parser.parse(source, env))
    # Without the final newline, as stored HTML has always been.
    return parser.renderer.render(tokens, parser.options, env).rstrip("\n")


def render_markdown(source: str) -> str:
    """Turn user or staff Markdown into HTML that is safe to show anyone.

    Raw HTML in the source is escaped by bleach unless it is on the allow-list;
    disallowed URL schemes (javascript:, data:, vbscript:) are dropped, and every
    link gets rel="nofollow ugc noopener".
    """
    if not source:
        return ""
    return _tools.cleaner.clean(_markdown_to_html(source))


def markdown_to_text(source: str) -> str:
    """Plain text of a Markdown source: no syntax, no tags, entities decoded.

    Computed at save time for excerpts, meta descriptions and social-post text.
    """
    html = _markdown_to_html(source or "")
    text = _tools.text_cleaner.clean(html.replace("<br />", "\n").replace("</p>", "</p>\n"))
    return " ".join(html_module.unescape(text).split())
