"""Times of the sanitiser on inputs built to make it slow (issue 8).

For each source in tests/support/markdown_worst_cases.py and each size, the
seconds `render_markdown` and `markdown_to_text` take, and `markdown_render`
(both from one parse, what a save runs) where the sanitiser has it (one run
each; the machine is shared, so read the order of magnitude). Prints a Markdown table
and, with --save, writes it to bench/MARKDOWN_RESULTS.md.

--sanitiser FILE times another copy of qa/markup.py, e.g. the one before
markdown-it-py:

    git show 115e982:qa/markup.py > /tmp/markup_before.py
    .venv/bin/python bench/markdown_worst_case.py --sanitiser /tmp/markup_before.py

A case whose time passes --give-up seconds at one size is not run at the larger ones.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.markdown_worst_cases import WORST_CASES, worst_case  # noqa: E402


def load_sanitiser(path: str | None):
    if not path:
        from qa import markup

        return markup
    spec = importlib.util.spec_from_file_location("sanitiser_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seconds(function, source: str) -> float:
    started = time.perf_counter()
    function(source)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,5000,20000", help="comma-separated source lengths")
    parser.add_argument("--sanitiser", help="a file to time instead of qa/markup.py")
    parser.add_argument("--cases", default="", help="only the cases whose name contains this")
    parser.add_argument("--give-up", type=float, default=30.0, help="seconds past which larger sizes are skipped")
    parser.add_argument("--save", action="store_true", help="write the table to bench/MARKDOWN_RESULTS.md")
    options = parser.parse_args()
    sanitiser = load_sanitiser(options.sanitiser)
    sizes = [int(size) for size in options.sizes.split(",")]

    # Compile what is compiled on first use before timing anything.
    sanitiser.markdown_to_text(sanitiser.render_markdown("# a\n\n*b* https://example.com\n\n|a|\n|-|\n|b|"))

    header = "| input | " + " | ".join(f"{size:,} chars: render + text (s)" for size in sizes) + " |"
    lines = [header, "|---|" + "---|" * len(sizes)]
    print(header.replace("|", " ").strip(), flush=True)
    for name in WORST_CASES:
        if options.cases not in name:
            continue
        cells, gave_up = [], False
        for size in sizes:
            if gave_up:
                cells.append("not run")
                continue
            source = worst_case(name, size)
            render = seconds(sanitiser.render_markdown, source)
            text = seconds(sanitiser.markdown_to_text, source)
            cell = f"{render:.2f} + {text:.2f}"
            if hasattr(sanitiser, "markdown_render"):
                # What a save runs: HTML and plain text from one parse.
                cell += f" (both, one parse: {seconds(sanitiser.markdown_render, source):.2f})"
            cells.append(cell)
            gave_up = render + text > options.give_up
        line = f"| {name} | " + " | ".join(cells) + " |"
        lines.append(line)
        print(line, flush=True)

    note = (
        f"{datetime.now(UTC):%Y-%m-%d}, {options.sanitiser or 'qa/markup.py'}, Python {platform.python_version()}, "
        f"{platform.machine()}; one run per cell on a shared machine."
    )
    if options.save:
        result = ROOT / "bench" / "MARKDOWN_RESULTS.md"
        result.write_text("# Markdown worst cases\n\n" + note + "\n\n" + "\n".join(lines) + "\n")
        print(f"saved to {result}")


if __name__ == "__main__":
    main()
