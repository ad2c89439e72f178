"""Writes conversations/static/conversations/x_count_patterns.js: the regular
expressions twitter-text (the Python package publishing.compose counts with)
uses to find URLs and emoji, turned into JavaScript, so that the composer's
live count in the browser (x_count.js) is the same count as the server's.

Generated rather than copied by hand: after upgrading twitter-text-parser run
`python -m conversations.x_count_patterns` and commit the file;
tests/conversations/test_x_count_js.py fails until then.
"""

from __future__ import annotations

import json
import re
import stringprep
from functools import cache
from pathlib import Path

from twitter_text.config import config
from twitter_text.regexp.emoji import emoji
from twitter_text.regexp.extract_url import extract_url
from twitter_text.regexp.invalid_chars import invalid_chars
from twitter_text.regexp.invalid_url_without_protocol_preceding_chars import (
    invalid_url_without_protocol_preceding_chars,
)
from twitter_text.regexp.valid_ascii_domain import valid_ascii_domain
from twitter_text.regexp.valid_tco_url import valid_tco_url

OUTPUT = Path(__file__).resolve().parent / "static" / "conversations" / "x_count_patterns.js"
# Python escapes that a JavaScript regular expression with the u flag refuses
# or reads differently: \U0001F600, and identity escapes of punctuation that
# is not regex syntax (\! \-), which become \u{HH} (valid in and out of
# classes). Escapes are read left to right in pairs, so "\\\\" stays one.
_ESCAPE = re.compile(r"\\(U[0-9A-Fa-f]{8}|.)", re.DOTALL)
_KEPT_AS_IS = re.compile(r"[A-Za-z0-9^$\\.*+?()\[\]{}|/]")


def _code_point(value: int) -> str:
    return f"\\u{{{value:X}}}"


def javascript_source(pattern: str) -> str:
    def convert(match: re.Match) -> str:
        escaped = match.group(1)
        if len(escaped) == 9:
            return _code_point(int(escaped[1:], 16))
        if _KEPT_AS_IS.fullmatch(escaped):
            return match.group(0)
        return _code_point(ord(escaped))

    return _ESCAPE.sub(convert, pattern)


def _class(ranges: list[tuple[int, int]]) -> str:
    members = (_code_point(low) + ("" if low == high else "-" + _code_point(high)) for low, high in ranges)
    return "[" + "".join(members) + "]"


@cache
def idna_tables() -> dict:
    """Python's "idna" codec (IDNA 2003 nameprep, Unicode 3.2), which
    twitter-text uses to tell a valid domain, as data for the browser: the
    characters removed (B.1), the case mapping (B.2), the prohibited ones
    (C.1.2–C.9) and the bidirectional classes (D.1 right-to-left, D.2 left-to-right)."""
    prohibited_checks = [getattr(stringprep, f"in_table_c{n}") for n in (12, 22, 3, 4, 5, 6, 7, 8, 9)]
    tables = {"removed": [], "prohibited": [], "rtl": [], "ltr": []}
    mapping = {}
    open_at: dict[str, int | None] = dict.fromkeys(tables)
    for code_point in range(0x110000 + 1):
        if code_point > 0x10FFFF:
            flags = dict.fromkeys(tables, False)
        elif 0xD800 <= code_point <= 0xDFFF:
            flags = {"removed": False, "prohibited": True, "rtl": False, "ltr": False}
        else:
            char = chr(code_point)
            flags = {
                "removed": stringprep.in_table_b1(char),
                "prohibited": any(check(char) for check in prohibited_checks),
                "rtl": stringprep.in_table_d1(char),
                "ltr": stringprep.in_table_d2(char),
            }
            mapped = stringprep.map_table_b2(char)
            if mapped != char:
                mapping[char] = mapped
        for name, inside in flags.items():
            if inside and open_at[name] is None:
                open_at[name] = code_point
            elif not inside and open_at[name] is not None:
                tables[name].append((open_at[name], code_point - 1))
                open_at[name] = None
    result = {name: [_class(ranges), "u"] for name, ranges in tables.items()}
    result["caseMapping"] = mapping
    return result


def emoji_source() -> str:
    """twitter-text's emoji pattern, 2,563 literal sequences and a final
    class, as a trie: the same matches, but V8 tries a flat alternation at
    every position (0.5 ms per Japanese character), the trie at once."""
    *literals, final_class = emoji.pattern.split("|")
    trie: dict = {}
    for index, literal in enumerate(literals):
        node = trie
        for char in _ESCAPE.sub(lambda m: chr(int(m.group(1)[1:], 16)), literal):
            node = node.setdefault(char, {})
        node.setdefault("", index)  # the first listed wins, as in the alternation

    def emit(node: dict) -> tuple[str, int]:
        choices = []
        for char, child in node.items():
            if char == "":
                choices.append((child, ""))
            else:
                body, first = emit(child)
                choices.append((first, _code_point(ord(char)) + body))
        choices.sort()
        # The alternation lists longer sequences first; a shorter one that
        # came first would change which match wins: refuse to guess.
        if node.get("", -1) >= 0 and choices[-1][1] != "":
            raise ValueError("emoji pattern is not longest-first; update emoji_source")
        if len(choices) == 1:
            first, body = choices[0]
            return body, first
        return "(?:" + "|".join(body for _first, body in choices) + ")", choices[0][0]

    body, _first = emit(trie)
    return body + "|" + javascript_source(final_class)


def _flags(pattern: re.Pattern) -> str:
    return "u" + ("i" if pattern.flags & re.IGNORECASE else "")


def patterns(*, with_idna: bool = True) -> dict:
    """Everything x_count.js needs. The IDNA tables come from Unicode 3.2,
    which never changes, and take seconds to build: `with_idna=False` leaves
    them out (the test that the file is current compares the rest)."""
    from publishing.compose import X_SITE_LINK_TAIL, X_T_CO_LINK

    compiled = {
        "extractUrl": extract_url,
        "emoji": emoji,
        "invalidChars": invalid_chars,
        "invalidUrlWithoutProtocolPrecedingChars": invalid_url_without_protocol_preceding_chars,
        "validAsciiDomain": valid_ascii_domain,
        "validTcoUrl": valid_tco_url,
    }
    result = {name: [javascript_source(p.pattern), _flags(p)] for name, p in compiled.items()}
    result["emoji"][0] = emoji_source()
    result["siteLinkTail"] = [javascript_source(X_SITE_LINK_TAIL), "u"]
    result["tCoLink"] = X_T_CO_LINK
    result["weights"] = config["defaults"]
    if with_idna:
        result["idna"] = idna_tables()
    return result


def javascript() -> str:
    body = json.dumps(patterns(), indent=1, sort_keys=True)
    return _PREFIX + body + _SUFFIX


def patterns_in_file() -> dict:
    """The data in the committed x_count_patterns.js."""
    text = OUTPUT.read_text(encoding="utf-8")
    return json.loads(text[text.index(_PREFIX) + len(_PREFIX) : text.rindex(_SUFFIX)])


_PREFIX = (
    "// Generated by `python -m conversations.x_count_patterns` from twitter-text's\n"
    "// Python patterns (see that module). Do not edit by hand.\n"
    "(function (root) {\n"
    '  "use strict";\n'
    "  var patterns = "
)
_SUFFIX = (
    ";\n"
    '  if (typeof module === "object" && module.exports) {\n'
    "    module.exports = patterns;\n"
    "  }\n"
    "  root.TipcastXPatterns = patterns;\n"
    '})(typeof window !== "undefined" ? window : globalThis);\n'
)


if __name__ == "__main__":
    OUTPUT.write_text(javascript(), encoding="utf-8")
    print(f"Wrote {OUTPUT}")
