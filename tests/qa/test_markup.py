"""The one sanitiser, attacked with the OWASP XSS Filter Evasion Cheat Sheet's
vectors and the Markdown-specific ones.

Rather than comparing strings, each output is parsed as a browser would parse
it, and every element, attribute and URL is checked against the allow-list.
"""

import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest

from qa import markup
from qa.markup import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_PROTOCOLS,
    ALLOWED_TAGS,
    LINK_REL,
    markdown_render,
    markdown_rendered_once,
    markdown_to_text,
    render_markdown,
)
from tests.xss_vectors import VECTORS

FORBIDDEN_ELEMENTS = {"script", "style", "iframe", "svg", "math", "object", "embed", "form", "meta", "link", "base"}
# As the WHATWG URL parser reads an href (already entity-decoded by the HTML
# parser): leading C0 controls and spaces are dropped, tabs and newlines are
# removed anywhere, and a scheme is a letter then letters, digits, + - .
_STRIPPED = re.compile(r"^[\x00-\x20]+")
_REMOVED = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


class _Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def _elements(rendered: str):
    inspector = _Inspector()
    inspector.feed(rendered)
    inspector.close()
    return inspector.elements


def _scheme(url: str) -> str:
    match = _SCHEME.match(_REMOVED.sub("", _STRIPPED.sub("", url)))
    return match.group(1).lower() if match else ""


def assert_safe(rendered: str) -> None:
    for tag, attrs in _elements(rendered):
        assert tag in ALLOWED_TAGS and tag not in FORBIDDEN_ELEMENTS, f"<{tag}> survived in {rendered!r}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler {name} survived in {rendered!r}"
            assert name in ALLOWED_ATTRIBUTES.get(tag, []), f"attribute {name} on <{tag}> survived in {rendered!r}"
            if name == "href":
                assert _scheme(value or "") in ALLOWED_PROTOCOLS | {""}, f"href {value!r} survived in {rendered!r}"
        if tag == "a":
            assert attrs.get("rel") == LINK_REL


def test_there_are_at_least_forty_owasp_and_markdown_vectors():
    assert len(VECTORS) >= 40


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_is_neutralised(vector):
    assert_safe(render_markdown(vector))


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_is_neutralised_inside_markdown_structures(vector):
    # The same vector inside a list item, a quote and a table cell.
    source = f"- item {vector}\n\n> {vector}\n\n| a | b |\n|---|---|\n| {vector} | x |\n"
    assert_safe(render_markdown(source))


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
        "[x][evil]\n\n[evil]: javascript:alert(1)",
        "[x][evil]\n\n[evil]: &#106;avascript:alert(1)",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](vbscript:msgbox(1))",
    ],
)
def test_markdown_links_with_dangerous_schemes_lose_their_href(source):
    rendered = render_markdown(source)
    assert_safe(rendered)
    assert "href" not in rendered
    assert ">x<" in rendered  # the link text itself is kept


def test_safe_links_survive_with_rel_nofollow_ugc_noopener():
    rendered = render_markdown(
        "[shop](https://shop.example/返品) and https://example.com/a?b=1 and [m](mailto:a@example.com)"
    )
    # CommonMark percent-encodes non-ASCII characters in link destinations (the same URL).
    hrefs = [unquote(attrs["href"]) for tag, attrs in _elements(rendered) if tag == "a"]
    assert hrefs == ["https://shop.example/返品", "https://example.com/a?b=1", "mailto:a@example.com"]
    assert rendered.count(f'rel="{LINK_REL}"') == 3


def test_disallowed_html_is_shown_as_text_not_lost():
    rendered = render_markdown("Paste: <script>alert(1)</script>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert_safe(rendered)


def test_ordinary_markdown_and_japanese_render():
    rendered = render_markdown("## 返品について\n\n**30日以内**なら返品できます。\n\n1. 注文履歴\n2. `返品`ボタン")
    assert "<h2>返品について</h2>" in rendered
    assert "<strong>30日以内</strong>" in rendered
    assert "<ol>" in rendered and "<code>返品</code>" in rendered


def test_markdown_to_text_has_no_syntax_or_tags():
    text = markdown_to_text("## 送料\n\n**全国一律** 500円です。[詳しく](https://example.com) <b>x</b> &amp;")
    assert text == "送料 全国一律 500円です。詳しく x &"


def test_one_parse_gives_the_same_html_and_text_as_the_single_conversions():
    source = "## 送料\n\n**全国一律** 500円です。[詳しく](https://example.com) <b>x</b> <script>y</script> &amp;"
    rendered = markdown_render(source)
    assert (rendered.html, rendered.text) == (render_markdown(source), markdown_to_text(source))
    assert markdown_render("") == markup.Rendered("", "")


def test_disallowed_tags_in_an_html_block_are_shown_as_text_and_allowed_ones_kept():
    rendered = render_markdown('<div onclick="x()">\n<b>bold</b> <iframe src="https://evil.example"></iframe>\n</div>')
    assert "&lt;div onclick=" in rendered and "&lt;iframe src=" in rendered and "&lt;/div&gt;" in rendered
    assert "<b>bold</b>" in rendered
    assert_safe(rendered)


def test_a_tag_name_that_only_looks_allowed_after_unicode_lowercasing_is_shown_as_text():
    # "\u212a" (KELVIN SIGN) lowercases to "k" in Python, never in an HTML parser.
    rendered = render_markdown("<\u212abd>x</\u212abd>")
    assert "&lt;\u212abd&gt;x&lt;/\u212abd&gt;" in rendered


def test_an_image_is_a_link_to_it_labelled_with_its_text():
    rendered = render_markdown('![返品の手順 *図*](https://example.com/a.png "図1")')
    assert rendered == (f'<p><a href="https://example.com/a.png" title="図1" rel="{LINK_REL}">返品の手順 図</a></p>')
    assert markdown_to_text("見る ![返品の手順](https://example.com/a.png)") == "見る 返品の手順"
    # Inside a link it is only its text: links do not nest.
    assert render_markdown("[![logo](https://example.com/l.png)](https://example.com)") == (
        f'<p><a href="https://example.com" rel="{LINK_REL}">logo</a></p>'
    )
    assert_safe(render_markdown("![x](javascript:alert(1)) ![](data:image/png;base64,AAAA)"))


def test_within_rendered_once_each_distinct_source_is_parsed_once(monkeypatch):
    parsed = []
    parse = markup._parse
    monkeypatch.setattr(markup, "_parse", lambda source: parsed.append(source) or parse(source))
    with markdown_rendered_once():
        first = [markdown_render(source) for source in ["*a*", "b", "*a*", "b", "*a*"]]
    assert parsed == ["*a*", "b"]
    assert first[0] == first[2] == markdown_render("*a*")
    # Outside the block nothing is remembered.
    markdown_render("*a*")
    assert parsed == ["*a*", "b", "*a*", "*a*"]


@pytest.mark.parametrize(
    "unsafe",
    [
        '<a href="javascript:alert(1)" rel="nofollow ugc noopener">x</a>',
        '<a href=" &#x09;java&#x0A;script:alert(1)" rel="nofollow ugc noopener">x</a>',
        '<img src=x onerror="alert(1)">',
        "<script>alert(1)</script>",
        '<p onclick="alert(1)">x</p>',
    ],
)
def test_the_checker_itself_catches_unsafe_html(unsafe):
    with pytest.raises(AssertionError):
        assert_safe(unsafe)


# --- Text from networks and feeds (plain_text_render, html_fragment_render) ---------------------


@pytest.mark.parametrize("vector", VECTORS)
def test_network_plain_text_shows_every_vector_as_text(vector):
    rendered = markup.plain_text_render(vector)
    assert_safe(rendered.html)
    # Plain text is never markup: the only elements are paragraphs, breaks and found links.
    assert {tag for tag, _ in _elements(rendered.html)} <= {"p", "br", "a"}


@pytest.mark.parametrize("vector", VECTORS)
def test_feed_html_loses_every_vector(vector):
    rendered = markup.html_fragment_render(f"<div><p>Before</p>{vector}<p>after</p></div>")
    assert_safe(rendered.html)
    # What comes before is kept (an unclosed <style> or <math> takes what follows, as in a browser).
    assert "Before" in rendered.text


def test_feed_html_drops_scripts_styles_and_frames_with_their_content():
    fragment = (
        '<p onclick="alert(1)" style="color:red">Hello <b>world</b></p>'
        "<script>alert('x')</script><style>p{display:none}</style>"
        '<iframe src="https://evil.example/">inside</iframe><p>Bye <a href="https://blog.example/p">post</a></p>'
    )
    rendered = markup.html_fragment_render(fragment)
    assert rendered.html == (
        f'<p>Hello <b>world</b></p><p>Bye <a href="https://blog.example/p" rel="{LINK_REL}">post</a></p>'
    )
    assert rendered.text == "Hello world Bye post"


def test_plain_text_keeps_line_breaks_and_paragraphs_and_links_urls():
    rendered = markup.plain_text_render("@tipcast help <b>me</b>\nplease: https://example.com/a?b=1.\n\n2nd 返品")
    assert rendered.html == (
        "<p>@tipcast help &lt;b&gt;me&lt;/b&gt;<br>\nplease: "
        f'<a href="https://example.com/a?b=1" rel="{LINK_REL}">https://example.com/a?b=1</a>.</p>\n<p>2nd 返品</p>'
    )
    assert rendered.text == "@tipcast help <b>me</b> please: https://example.com/a?b=1. 2nd 返品"


def test_plain_text_strips_nul_and_keeps_right_to_left_text_and_emoji():
    rendered = markup.plain_text_render("مرحبا\x00 שלום 👍🏽")
    assert rendered.text == "مرحبا שלום 👍🏽"
    assert rendered.html == "<p>مرحبا שלום 👍🏽</p>"


def test_an_unclosed_right_to_left_override_is_closed_within_its_paragraph():
    rendered = markup.plain_text_render("evil \u202etxt.exe\n\nnext paragraph")
    first, second = rendered.html.split("\n<p>")
    assert first == "<p>evil \u202etxt.exe\u202c</p>"
    assert "\u202c" not in second and "\u202e" in rendered.text
    isolate = markup.html_fragment_render("<p>a \u2067b</p>")
    assert isolate.html.endswith("\u2069") and isolate.html.count("\u2069") == 1


def test_feed_html_with_too_many_tags_keeps_only_its_text():
    fragment = "<b>" * (markup.MAX_FRAGMENT_TAGS + 1) + "deep https://example.com/x" + "<<<"
    rendered = markup.html_fragment_render(fragment)
    assert_safe(rendered.html)
    assert "<b>" not in rendered.html and "deep" in rendered.text
    assert f'<a href="https://example.com/x" rel="{LINK_REL}">' in rendered.html


def test_empty_network_text_renders_empty():
    assert markup.plain_text_render(" \x00\n") == markup.Rendered("", "")
    assert markup.html_fragment_render("") == markup.Rendered("", "")


@pytest.mark.parametrize(
    "unit",
    ["http://a" + "(" * 3, "https://x.example/" + "a" * 5 + " ", "a@b" * 3 + " ", "\u202e<" * 3, "<b>" * 2 + "x\n"],
)
def test_network_text_costs_linear_work(unit):
    import cProfile
    import pstats

    def calls(source):
        profile = cProfile.Profile()
        profile.enable()
        markup.plain_text_render(source)
        markup.html_fragment_render(source)
        profile.disable()
        return pstats.Stats(profile).total_calls

    calls(unit * 10)  # compile what compiles on first use
    small, large = calls(unit * 2500), calls(unit * 10000)
    assert large / small < 4.6
