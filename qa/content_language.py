"""The language a tip or question is written in, and which languages a public
list shows.

Detection is a count, not a model: Japanese text is mostly kana and kanji,
English text Latin letters. Product names ("iPhone", "Android") and URLs put
Latin letters in Japanese text, so a modest share of Japanese script already
decides. One pass over at most DETECTION_SAMPLE characters: linear, and
bounded whatever the text's length.
"""

from django.conf import settings

# Enough text to decide; a long answer says nothing more about its language.
DETECTION_SAMPLE = 2000
# Share of Japanese script among the letters from which text reads as Japanese.
JAPANESE_SHARE = 0.2

# The query parameter of "also show tips in other languages" on every public list.
ALL_LANGUAGES_PARAM = "all_languages"

_JAPANESE_RANGES = (
    (0x3040, 0x30FF),  # hiragana and katakana
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width katakana
)


def _is_japanese(character: str) -> bool:
    code = ord(character)
    return any(low <= code <= high for low, high in _JAPANESE_RANGES)


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def language_detect(text: str) -> str:
    """ "ja" or "en" (the site's default when there is nothing to go by)."""
    japanese = latin = 0
    for character in text[:DETECTION_SAMPLE]:
        if _is_japanese(character):
            japanese += 1
        elif character.isascii() and character.isalpha():
            latin += 1
    if japanese and japanese >= JAPANESE_SHARE * (japanese + latin):
        return "ja"
    if latin:
        return "en"
    return settings.LANGUAGE_CODE


def wants_all_languages(request) -> bool:
    """Whether the visitor chose "also show tips in other languages"."""
    return request.GET.get(ALL_LANGUAGES_PARAM) == "1"
