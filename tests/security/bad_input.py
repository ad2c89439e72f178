"""The bad inputs every surface is tried with (test_bad_input, test_bad_input_admin)."""

from urllib.parse import quote

NUL = "\x00"
LONG_WORD = "あ" * 4000 + "x" * 6000  # one 10,000-character word, no space to break at
# Right-to-left override, embedding and isolate controls: they reorder the text
# shown after them ("Trojan Source"), so a title could pretend to say something else.
RLO = "\u202e"
BIDI_CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
EMOJI_TITLE = "📦 荷物が届かない 🙏🏽 👨‍👩‍👧"
EMOJI_BODY = "配達状況が「🚚 配送中」のままです。家族 👨‍👩‍👧 全員待っています 🇯🇵"


def page(response) -> str:
    return response.content.decode()


# --- Addresses and filters: what every route parameter and query filter is tried with -------------------
# Already percent-encoded: some (invalid UTF-8, the admin's "_00" escape) cannot be
# written as text. REFUSED values hold NUL or control characters: the site answers 404
# before any code sees them (supportsite.invalid_characters). The others reach the
# views, converters and filters, which must answer anything but a 500.
ADDRESS_VALUES = {
    "NUL": quote("a" + NUL + "b", safe=""),
    "only NUL": "%00",
    "escape sequence": quote("\x1b[2J", safe=""),
    "newline": "a%0Ab",
    "huge number": "9" * 30,
    "negative number": "-1",
    "10,000-character word": quote(LONG_WORD, safe=""),
    "RLO": quote(RLO + "gnp.exe", safe=""),
    "emoji": quote("📦🙏🏽", safe=""),
    "admin-escaped NUL": "_00",  # the admin's unquote() turns it into NUL
    "invalid UTF-8": "%FF%FE",
    "UTF-8 surrogate": "%ED%A0%80",
    "dot-dot": "..",
}
REFUSED_IN_PATH = {"NUL", "only NUL", "escape sequence", "newline"}
# In a query string only NUL is refused: other control characters are text to search for.
REFUSED_IN_QUERY = {"NUL", "only NUL"}
# In query strings the path-shaped values (the admin's escape, "..", surrogates) add nothing.
QUERY_VALUES = {
    label: value
    for label, value in ADDRESS_VALUES.items()
    if label not in {"admin-escaped NUL", "dot-dot", "UTF-8 surrogate", "negative number"}
}
# Query parameters the site's views, the admin and allauth read.
QUERY_NAMES = ("q", "page", "p", "o", "e", "tip", "channel", "text", "next", "_to_field", "_changelist_filters")
