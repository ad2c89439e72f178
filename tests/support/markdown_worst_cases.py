"""Markdown sources built to make a parser or sanitiser do superlinear work.

Issue 8's inputs (brackets, unfinished links and images, setext headings) and
the classic ones from markdown-it's and cmark's pathological tests (nested
emphasis, block quotes, lists, tables, HTML blocks, backticks, entities),
plus a few aimed at link detection and at the HTML sanitiser's tree builder. Each function
returns a source of about `length` characters; worst_case() cuts it to
`length` exactly. Shared by
tests/qa/test_markup_cost.py and bench/markdown_worst_case.py.
"""


def _repeat(unit: str, length: int) -> str:
    return unit * max(length // len(unit), 1)


def _nested_lists(length: int) -> str:
    lines, total, depth = [], 0, 0
    while total < length:
        line = "  " * depth + "- a\n"
        lines.append(line)
        total += len(line)
        depth += 1
    return "".join(lines)


def _backticks(length: int) -> str:
    parts, total, run = [], 0, 1
    while total < length:
        part = "e" + "`" * run
        parts.append(part)
        total += len(part)
        run += 1
    return "".join(parts)


def _small_wide_tables(length: int) -> str:
    # Header and delimiter rows of 16 columns, then one-cell rows: every row
    # asks for 15 empty cells.
    table = "|a" * 16 + "|\n" + "|-" * 16 + "|\n" + "a\n" * 64 + "\n"
    return _repeat(table, length)


def _nested_emphasis(length: int) -> str:
    half = length // 14
    return "*a **a " * half + "b" + " a** a*" * half


WORST_CASES = {
    # Issue 8: Python-Markdown took 42 s (render) + 39 s (text) on 20,000 of these.
    "brackets": lambda n: "[" * (n // 2) + "]" * (n // 2),
    "open brackets": lambda n: "[" * n,
    "unfinished links [a](": lambda n: _repeat("[a](", n),
    "unfinished images ![a](b": lambda n: _repeat("![a](b", n),
    "setext headings": lambda n: _repeat("a\n=\n", n),
    "nested brackets": lambda n: "[" * (n // 2 - 1) + "a" + "]" * (n // 2 - 1),
    "unclosed link destinations [a](<b": lambda n: _repeat("[a](<b", n),
    "reference definitions": lambda n: _repeat("[a]: b\n", n // 2) + _repeat("[a]", n // 2),
    # Emphasis
    "nested emphasis": _nested_emphasis,
    "emphasis closers a**": lambda n: _repeat("a**", n),
    "emphasis openers _a": lambda n: _repeat("_a ", n),
    "nested strong ****": lambda n: "*" * (n // 2 - 1) + "a" + "*" * (n // 2 - 1),
    "strikethrough ~~a": lambda n: _repeat("~~a ", n),
    # Blocks
    "nested block quotes": lambda n: "> " * (n // 2) + "a",
    "nested lists": _nested_lists,
    "list items": lambda n: _repeat("- a\n", n),
    "ordered list items": lambda n: _repeat("1. a\n", n),
    "tables, wide header": lambda n: "|a" * (n // 6) + "|\n" + "|-" * (n // 6) + "|\n" + "a\n" * (n // 6),
    "tables, many small wide": _small_wide_tables,
    "tables, many cells": lambda n: "|a|b|\n|-|-|\n" + _repeat("|a|b|\n", n),
    "backtick runs": _backticks,
    # Raw HTML (the sanitiser builds an HTML5 tree of what it keeps)
    "HTML blocks <div>": lambda n: _repeat("<div>\n", n),
    "nested allowed HTML <b>": lambda n: _repeat("<b>", n),
    "nested allowed HTML <ul><li>": lambda n: _repeat("<ul><li>", n),
    "nested allowed HTML <blockquote>": lambda n: _repeat("<blockquote>", n),
    "unclosed tags <a ": lambda n: _repeat("<a ", n),
    "HTML comments <!--": lambda n: _repeat("<!--", n),
    "entities &#": lambda n: _repeat("&#", n),
    # Link detection
    "URL followed by (": lambda n: "http://a" + "(" * (n - 8),
    "www. followed by a.": lambda n: "www." + _repeat("a.", n - 4),
    "e-mail-like a@": lambda n: _repeat("a@", n),
}


def worst_case(name: str, length: int) -> str:
    """The source `name` of WORST_CASES, at most `length` characters long."""
    return WORST_CASES[name](length)[:length]
