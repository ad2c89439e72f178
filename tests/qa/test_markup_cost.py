"""The sanitiser's work grows linearly with its input, on inputs built to make it grow faster.

Work is counted, not timed: the number of Python function calls (cProfile
counts every call, builtins included) for a source of MAX/4 characters and
one of MAX characters, MAX being the longest Markdown any form accepts. Linear
work gives a ratio of 4; the quadratic Python-Markdown of issue 8 gave 16 and
more. bench/markdown_worst_case.py reports the times.

Calls do not count the steps inside one C regular-expression match, nor the
work inside nh3 (Rust, one call); the benchmark's times cover those. What the
sanitiser is given is bounded here too: an HTML5 tree builder looks through
the open elements for each tag, so its work grows with the depth of the HTML;
that depth and the HTML's size are checked.
"""

import cProfile
import pstats
import re

import pytest

from qa.markup import MARKDOWN_MAX_LENGTH, MAX_INLINE_DEPTH, MAX_RAW_HTML_TAGS, markdown_to_text, render_markdown
from tests.support.markdown_worst_cases import WORST_CASES, worst_case

# markdown-it's own limit on block nesting (block quotes, lists), in the commonmark preset.
MAX_BLOCK_NESTING = 20
_TAG = re.compile(r"<(/?)([a-zA-Z0-9]+)[^>]*>")
_VOID = {"br", "hr", "img"}


# render_markdown's output for each worst case at MAX, kept by the linear test for the
# size-and-depth test: the same deterministic call, the longest in this module, made once.
_RENDERED_AT_MAX: dict[str, str] = {}


def _calls(function, source: str) -> tuple[int, str]:
    profile = cProfile.Profile()
    profile.enable()
    output = function(source)
    profile.disable()
    return pstats.Stats(profile).total_calls, output


def _nesting_depth(html: str) -> int:
    depth = deepest = 0
    for match in _TAG.finditer(html):
        if match.group(2).lower() in _VOID:
            continue
        depth += -1 if match.group(1) else 1
        deepest = max(deepest, depth)
    return deepest


@pytest.fixture(scope="module", autouse=True)
def _warm_up():
    """Compile what is compiled on first use (linkify's patterns), so that the
    first case measured does not count it."""
    for name in WORST_CASES:
        markdown_to_text(render_markdown(worst_case(name, 200)))


def _assert_linear(function, name):
    small, large = worst_case(name, MARKDOWN_MAX_LENGTH // 4), worst_case(name, MARKDOWN_MAX_LENGTH)
    large_calls, output = _calls(function, large)
    if function is render_markdown:
        _RENDERED_AT_MAX[name] = output
    ratio = large_calls / _calls(function, small)[0]
    assert ratio < 4.6, f"{name}: {ratio:.1f}× the calls for 4× the input"


@pytest.mark.parametrize("name", list(WORST_CASES))
def test_rendering_work_is_linear_in_the_input(name):
    _assert_linear(render_markdown, name)


# Issue 8 timed these in markdown_to_text too; the rest share its parsing with render_markdown.
@pytest.mark.parametrize(
    "name", ["brackets", "unfinished links [a](", "unfinished images ![a](b", "setext headings", "nested emphasis"]
)
def test_text_conversion_work_is_linear_in_the_input(name):
    _assert_linear(markdown_to_text, name)


@pytest.mark.parametrize("name", list(WORST_CASES))
def test_html_given_to_the_sanitiser_is_bounded_in_size_and_depth(name):
    source = worst_case(name, MARKDOWN_MAX_LENGTH)
    assert len(source) >= 0.9 * MARKDOWN_MAX_LENGTH
    html = _RENDERED_AT_MAX[name] if name in _RENDERED_AT_MAX else render_markdown(source)
    assert len(html) <= 8 * len(source)
    # Block quotes and lists (two levels each), inline markup, and raw HTML.
    assert _nesting_depth(html) <= 2 * MAX_BLOCK_NESTING + MAX_INLINE_DEPTH + MAX_RAW_HTML_TAGS


def test_deep_inline_markup_is_kept_as_its_characters():
    depth = MAX_INLINE_DEPTH + 4
    html = render_markdown("*a " * depth + "b" + " a*" * depth)
    assert html.count("<em>") == MAX_INLINE_DEPTH
    assert html.count("<em>") == html.count("</em>")
    assert "<em>a *a *a *a *a b a* a* a* a* a</em>" in html


def test_raw_html_past_the_budget_is_shown_as_text():
    html = render_markdown("<kbd>x</kbd> " * MAX_RAW_HTML_TAGS)
    assert html.count("<kbd>") == MAX_RAW_HTML_TAGS // 2
    assert html.count("&lt;kbd&gt;") == MAX_RAW_HTML_TAGS // 2


def test_short_rows_get_a_few_empty_cells_not_thousands():
    wide = "|a" * 300 + "|\n" + "|-" * 300 + "|\n" + "a\n" * 300
    html = render_markdown(wide)
    assert html.count("<th>") == 300
    assert html.count("<td>") < 300  # the table ends; the other rows are a paragraph


def test_a_level_one_heading_becomes_h2():
    assert render_markdown("# Returns") == "<h2>Returns</h2>"
