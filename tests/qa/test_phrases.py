"""Excerpts end at a word (Latin) or phrase (Japanese) boundary, never inside a grapheme."""

import regex

from qa.phrases import phrase_boundaries, truncate


def _pieces(text):
    """`text` split at its boundaries."""
    pieces, start = [], 0
    for end in phrase_boundaries(text):
        pieces.append(text[start:end])
        start = end
    return pieces


def test_empty_text():
    assert phrase_boundaries("") == []
    assert truncate("", 10) == ""


def test_english_boundaries_are_word_ends_and_punctuation():
    text = "Returns are free, well-known (mostly)."
    boundaries = phrase_boundaries(text)
    assert boundaries == sorted(set(boundaries))
    assert [text[:i] for i in boundaries] == [
        "Returns",
        "Returns are",
        "Returns are free,",
        "Returns are free, well-",
        "Returns are free, well-known",
        "Returns are free, well-known (mostly)",
        "Returns are free, well-known (mostly).",
    ]


def test_trailing_whitespace_is_not_a_boundary_and_never_inside_a_word():
    text = "shipping costs  "
    assert [text[:i] for i in phrase_boundaries(text)] == ["shipping", "shipping costs"]


def test_japanese_boundaries_are_budoux_phrases():
    text = "返品は30日以内に注文履歴からできます。"
    assert _pieces(text) == ["返品は", "30日以内に", "注文履歴から", "できます。"]


def test_mixed_japanese_and_latin():
    text = "Tipcast を使って返品できます。Free shipping"
    pieces = _pieces(text)
    assert "".join(pieces) == text
    assert "使って" in pieces
    assert pieces[-3:] == ["返品できます。", "Free", " shipping"]
    # No Latin word is split.
    assert not any(
        a[-1:].isascii() and a[-1:].isalpha() and b[:1].isascii() and b[:1].isalpha()
        for a, b in zip(pieces, pieces[1:], strict=False)
    )


def test_boundaries_never_split_a_grapheme_cluster():
    text = "家族👨‍👩‍👧で👍🏽ください🇯🇵と e\u0301te\u0301 🏳️‍🌈 ok"
    starts = {match.start() for match in regex.finditer(r"\X", text)} | {len(text)}
    boundaries = phrase_boundaries(text)
    assert boundaries
    assert set(boundaries) <= starts


def test_truncate_leaves_short_text_alone():
    assert truncate("Free shipping", 13) == "Free shipping"
    assert truncate("送料無料", 4) == "送料無料"


def test_truncate_english_cuts_at_a_word():
    text = "Returns are free within thirty days of delivery."
    result = truncate(text, 30)
    assert result == "Returns are free within…"
    assert len(result) <= 30


def test_truncate_drops_a_trailing_comma():
    assert truncate("Free returns, always and everywhere", 16) == "Free returns…"


def test_truncate_japanese_cuts_at_a_phrase():
    text = "返品は30日以内に注文履歴からできます。送料は無料です。"
    assert truncate(text, 16) == "返品は30日以内に注文履歴から…"
    assert truncate(text, 14) == "返品は30日以内に…"


def test_truncate_hard_cut_only_without_a_boundary_in_the_last_third():
    long_word = "a" * 50
    assert truncate(f"Go {long_word}", 20) == "Go " + "a" * 16 + "…"
    # A boundary in the last third is used, even if it gives a shorter result.
    assert truncate("abcdefghijklmn opqrstuvwxyz", 20) == "abcdefghijklmn…"


def test_truncate_never_splits_an_emoji_and_respects_length():
    text = "👨‍👩‍👧" * 10
    for length in range(1, 30):
        result = truncate(text, length)
        assert len(result) <= length
        body = result.removesuffix("…")
        assert len(regex.findall(r"\X", body)) * 5 == len(body)


def test_truncate_custom_ellipsis_and_tiny_lengths():
    assert truncate("Free returns always", 15, ellipsis="...") == "Free returns..."
    assert truncate("Free returns", 1) == "…"
    assert truncate("Free returns", 0) == ""


def test_truncate_cost_does_not_depend_on_the_text_length():
    # A 1 MB text costs what its first few dozen characters cost.
    text = "返品は30日以内にできます。" * 80_000
    assert truncate(text, 20) == truncate(text[:100], 20)


def test_boundaries_from_an_offset_are_the_same_as_from_the_start():
    """truncate() only asks for the boundaries near its cut; BudouX then reads
    from just before that offset, and must find exactly what a full run finds."""
    texts = [
        "ご注文の商品は、通常2〜3営業日でお届けします。沖縄・離島は追加で1〜2日かかります。平日12時までのご注文は当日発送",
        "返品は30日以内に注文履歴からできます。Tipcast を使って返品できます。Free shipping over 5,000円",
        "Orders usually arrive in 2-3 business days. Remote islands take one or two days more.",
        "東京都千代田区の倉庫から発送します👨‍👩‍👧 国旗🇯🇵🇺🇸も一緒に",
    ]
    for text in texts:
        full = phrase_boundaries(text)
        for start in range(len(text) + 1):
            assert phrase_boundaries(text, start=start) == [i for i in full if i >= start], (text, start)
