"""The browser's live count (x_count.js) and the server's (conversations.compose)
give the same numbers and the same posts: both run on the same strings, the
JavaScript in node."""

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from conversations import x_count_patterns
from conversations.compose import ReplyTooLong, Signature, reply_parts, x_reply_length
from tests.conftest import require_service

SCRIPT = Path(x_count_patterns.__file__).resolve().parent / "static" / "conversations" / "x_count.js"
SITE_URL = "http://127.0.0.1:8000"

FIXED = [
    "",
    "abc",
    "日本語のテキスト",
    "😷 👍🏽 👨‍👩‍👧‍👦 🇯🇵 1️⃣ ©️ © ™",
    "see https://example.com/" + "a" * 100,
    "example.com and www.example.co.jp/path?q=1.",
    "http://127.0.0.1:8000/tips/12/返品?utm_source=x&utm_medium=reply next",
    "@bob t.co/abc https://t.co/abcdef?x=1 https://t.co/" + "a" * 45,
    "日本語.jp テスト。http://日本語.jp/パス です",
    "Ünïcödé café naïve — “quotes” ‘single’ …",
    "שלום עולם مرحبا بالعالم",
    "Ａｂｃ１２３ ｶﾀｶﾅ",
    "nul\x00char and \r\n windows \r mac",
    "a" * 70 + ".com is not a domain",
    "𠮷野家 and 🧑🏻‍🤝‍🧑🏿",
    "e\u0301 and \ufeff bom and \u200d zwj",
    "http://мой-сайт.рф/путь and https://bücher.de/ß and Straße.de",
    "xn--abc.com https://xn--wgv71a119e.jp/ ＥＸＡＭＰＬＥ．ＣＯＭ",
    "https://\u05e9\u05dc\u05d5\u05dd.com/ https://a\u05e9.com/ and \u202eevil.com",
    "a" * 63 + ".com and " + "日本" * 20 + ".jp and https://example.com/" + "x" * 4100,
    "trailing dot example.com. and (https://example.com/(paren)) end",
]

ALPHABET = list("abc xyz.,!?/:-_@#。、！？\n日本語テストカナ😷👍🏽‍️é") + [
    "https://",
    "example.com",
    "t.co/x1",
    SITE_URL + "/tips/3",
]


def fuzz_strings(count=150):
    generator = random.Random(11)
    return ["".join(generator.choice(ALPHABET) for _ in range(generator.randint(1, 60))) for _ in range(count)]


def python_parts(case):
    try:
        return reply_parts(**case_arguments(case))
    except ReplyTooLong:
        return None


def case_arguments(case):
    signature = Signature(text=case["signature"], at_start=case["at_start"]) if case["signature"] else None
    return {
        "text": case["text"],
        "network": case["network"],
        "handle": case["handle"],
        "language": case["language"],
        "signature": signature,
    }


SPLIT_CASES = [
    {"text": "Your parcel left our warehouse today. " * 9, "language": "en"},
    {"text": "ご到着までお待たせしておりまして申し訳ございません。その後いかがでしょうか？" * 6, "language": "ja"},
    {"text": "supercalifragilistic " * 30, "language": "en"},
    {"text": "👨‍👩‍👧‍👦" * 200, "language": "en"},
    {"text": "\n".join(f"Step {n}: open https://example.com/settings/{n} now" for n in range(12)), "language": "en"},
    {"text": "あ。" * 450, "language": "ja"},
    {"text": "短い返事です。", "language": "ja"},
    {"text": "Read " + SITE_URL + "/tips/9/x?utm_medium=reply please. " * 14, "language": "en"},
]


def run_node(payload):
    node = shutil.which("node")
    require_service("node", node is not None, "install Node.js to compare the browser's count")
    program = (
        "const c = require(process.argv[1]);"
        "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "const lengths = input.strings.map((s) => c.xWeightedLength(s, input.siteUrl));"
        "const parts = input.cases.map((k) => c.replyParts({text: k.text, network: k.network, handle: k.handle,"
        " language: k.language, siteUrl: input.siteUrl, signature: {text: k.signature, atStart: k.at_start}}).parts);"
        "process.stdout.write(JSON.stringify({lengths, parts}));"
    )
    result = subprocess.run(
        [node, "-e", program, str(SCRIPT)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE_URL


def split_cases():
    cases = []
    for case in SPLIT_CASES:
        for network, handle, signature, at_start in [
            ("x", "customer", "— Sam, Tipcast support", False),
            ("x", "", "Tipcastの山田です。", True),
            ("facebook", "someone", "", False),
        ]:
            cases.append({**case, "network": network, "handle": handle, "signature": signature, "at_start": at_start})
    return cases


def test_browser_and_server_count_and_split_alike(site, db):
    strings = FIXED + fuzz_strings()
    cases = split_cases()
    browser = run_node({"strings": strings, "cases": cases, "siteUrl": SITE_URL})
    mismatches = [
        (text, python, javascript)
        for text, python, javascript in zip(strings, map(x_reply_length, strings), browser["lengths"], strict=True)
        if python != javascript
    ]
    assert mismatches == []
    assert [python_parts(case) for case in cases] == browser["parts"]
    # The cases do exercise splitting and refusal.
    assert {len(parts) if parts else 0 for parts in browser["parts"]} >= {0, 1, 2, 3}


def test_the_generated_patterns_are_current():
    """After upgrading twitter-text-parser: python -m conversations.x_count_patterns.
    (The IDNA tables are Unicode 3.2's, frozen; the IDN strings above check them.)"""
    in_file = x_count_patterns.patterns_in_file()
    assert set(in_file["idna"]) == {"removed", "prohibited", "rtl", "ltr", "caseMapping"}
    del in_file["idna"]
    assert in_file == x_count_patterns.patterns(with_idna=False)
