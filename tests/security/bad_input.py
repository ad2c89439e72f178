"""The bad inputs every surface is tried with (test_bad_input, test_bad_input_admin)."""

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
