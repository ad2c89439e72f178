"""The one sanitiser: Markdown in, safe HTML out.

Services store its output next to the Markdown source at save time; templates
mark only that stored output as safe.
"""

import html as html_module
import threading

import bleach
import markdown
from bleach.linkifier import LinkifyFilter

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

_MARKDOWN_EXTENSIONS = ["extra", "sane_lists", "nl2br"]


def _set_rel(attrs, new=False):
    attrs[(None, "rel")] = LINK_REL
    return attrs


class _Tools(threading.local):
    """Parsers and cleaners are costly to build (about a millisecond, more than
    most conversions) and not thread-safe, so each thread builds its own once."""

    def __init__(self):
        self.markdown = markdown.Markdown(extensions=_MARKDOWN_EXTENSIONS, output_format="html")
        self.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=False,  # disallowed tags are shown as text, so nothing the author typed is lost
            strip_comments=True,
            filters=[lambda source: LinkifyFilter(source, callbacks=[_set_rel], skip_tags={"pre", "code"})],
        )
        self.text_cleaner = bleach.Cleaner(tags=set(), strip=True, strip_comments=True)


_tools = _Tools()


def _markdown_to_html(source: str) -> str:
    return _tools.markdown.reset().convert(source)


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

    Used for meta descriptions, excerpts and social-post text.
    """
    html = _markdown_to_html(source or "")
    text = _tools.text_cleaner.clean(html.replace("<br />", "\n").replace("</p>", "</p>\n"))
    return " ".join(html_module.unescape(text).split())
