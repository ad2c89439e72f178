"""The share image of a tip: a 1200x630 PNG with its title, category and the site's name.

Pure: text and a font file in, PNG bytes out. No database, no settings, no
storage (qa.share_image_files does those). Its look follows the site's
palette (static/css/site.css) and the default card (static/img/og-default.png).

Titles wrap at the places qa.phrases allows a cut: between words in English,
between BudouX phrases in Japanese, so a line never ends in the middle of
"注文履歴" or "password". A long title is set smaller; one still too long for
four lines at the smallest size is cut at a boundary with "…".
"""

import functools
import io
from collections.abc import Callable
from pathlib import Path

import regex
from PIL import Image, ImageDraw, ImageFont

from qa.phrases import phrase_boundaries

WIDTH, HEIGHT = 1200, 630

# static/css/site.css and static/img/og-default.png
BACKGROUND = (15, 76, 92)
CIRCLE = (20, 107, 127)
BAND = (11, 58, 71)
TEXT = (255, 255, 255)
SOFT_TEXT = (227, 240, 243)  # --color-primary-soft
ACCENT = (244, 185, 66)  # --color-accent
ACCENT_TEXT = (28, 37, 41)  # --color-text

MARGIN = 80
BAND_HEIGHT = 110
TITLE_TOP = 170
TITLE_BOTTOM = HEIGHT - BAND_HEIGHT - 40
# From large to small; the first size at which the whole title fits wins.
TITLE_SIZES = (72, 64, 58, 52, 46)
LINE_SPACING = 1.32
CATEGORY_MAX_WIDTH = 700
# A full-width opening bracket carries half an em of space on its left: a line
# starting with one is drawn that much to the left, so the text edge stays straight.
_OPENING_BRACKETS = frozenset("（「『【〔［｛〈《")
ELLIPSIS = "…"
PALETTE_COLOURS = 64
# Not worth keeping at the end of a cut line, before the ellipsis.
_TRAILING = " \t\r\n\u3000,;:、，；：。.-–—・"
_GRAPHEME = regex.compile(r"\X")

# Where auto-detection looks, best first: Debian's fonts-noto-cjk (installed by
# the Dockerfile and .ci/run), then other common places for the same font.
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/local/share/fonts/NotoSansCJKjp-Bold.otf",
)
# A sample the font must draw: a font without Japanese glyphs would draw boxes.
_JAPANESE_SAMPLE = "送料あア"


class FontUnavailable(Exception):
    """No usable CJK font: callers fall back to the default card image."""


def find_font(configured: str = "") -> str | None:
    """The font file to use: `configured` when set (and usable), else the first candidate found."""
    candidates = [configured] if configured else FONT_CANDIDATES
    for path in candidates:
        if path and Path(path).is_file() and _draws_japanese(path):
            return path
    return None


@functools.cache
def _draws_japanese(path: str) -> bool:
    try:
        font = ImageFont.truetype(path, 40)
    except OSError:
        return False
    covered = _Coverage(font)
    return all(covered(char) for char in _JAPANESE_SAMPLE)


@functools.cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    # Index 0 of Noto Sans CJK's collection is the Japanese face (JP glyph forms).
    # Basic layout: Japanese and Latin need no shaping, and it is twice as fast as Raqm.
    return ImageFont.truetype(path, size, index=0, layout_engine=ImageFont.Layout.BASIC)


class _Coverage:
    """Whether a font has a glyph for a character, told by comparing its
    drawing with that of the missing-glyph box (.notdef)."""

    def __init__(self, font: ImageFont.FreeTypeFont):
        self._font = font
        self._notdef = self._shape("\U0010fffd")
        self._known: dict[str, bool] = {}

    def _shape(self, char: str):
        mask = self._font.getmask(char)
        return mask.size, bytes(mask)

    def __call__(self, char: str) -> bool:
        if char.isspace():
            return True
        if char not in self._known:
            self._known[char] = self._shape(char) != self._notdef
        return self._known[char]


@functools.cache
def _coverage(path: str) -> _Coverage:
    return _Coverage(_font(path, 40))


def drawable_text(text: str, font_path: str) -> str:
    """`text` without the grapheme clusters the font cannot draw (emoji,
    rare scripts): a missing character is better than a box."""
    covered = _coverage(font_path)
    kept = []
    for cluster in _GRAPHEME.findall(text):
        if all(covered(char) or not char.isprintable() for char in cluster):
            kept.append("".join(char for char in cluster if char.isprintable() or char.isspace()))
    return regex.sub(r"[ \t]{2,}", " ", "".join(kept)).strip()


# --- Line breaking -----------------------------------------------------------------------------


def _hard_breaks(text: str, start: int, end: int, fits: Callable[[str], bool]) -> list[int]:
    """Grapheme-cluster break offsets inside text[start:end], for a word too long for one line."""
    breaks, line_start, last = [], start, start
    for match in _GRAPHEME.finditer(text, start, end):
        if match.end() > line_start and not fits(text[line_start : match.end()].strip()) and last > line_start:
            breaks.append(last)
            line_start = last
        last = match.end()
    return breaks


def line_spans(text: str, *, fits: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Greedy line breaking at phrase boundaries: (start, end) offsets of each
    line of `text`, every break at an offset qa.phrases.phrase_boundaries()
    allows (or, for a single word wider than a line, between grapheme clusters).
    `fits(line)` says whether a line's text fits the width."""
    boundaries = phrase_boundaries(text)
    if not boundaries or boundaries[-1] != len(text):
        boundaries.append(len(text))
    spans, start, previous = [], 0, 0
    for boundary in boundaries:
        if fits(text[start:boundary].strip()):
            previous = boundary
            continue
        if previous > start:
            spans.append((start, previous))
            start = previous
        if not fits(text[start:boundary].strip()):
            # One phrase wider than a line (a long URL or word): cut it between characters.
            for cut in _hard_breaks(text, start, boundary, fits):
                spans.append((start, cut))
                start = cut
        previous = boundary
    if text[start:].strip():
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _cut_with_ellipsis(text: str, start: int, fits: Callable[[str], bool]) -> str:
    """The longest start of text[start:] ending at a phrase boundary that fits with "…"."""
    best = ""
    for boundary in phrase_boundaries(text):
        if boundary <= start:
            continue
        candidate = text[start:boundary].strip().rstrip(_TRAILING) + ELLIPSIS
        if not fits(candidate):
            break
        best = candidate
    if not best:
        # Not even one phrase fits: cut between grapheme clusters instead.
        kept = ""
        for cluster in _GRAPHEME.findall(text[start:].strip()):
            if not fits(kept + cluster + ELLIPSIS):
                break
            kept += cluster
        best = kept.rstrip(_TRAILING) + ELLIPSIS
    return best


def layout_title(text: str, *, max_lines: int, fits: Callable[[str], bool]) -> list[str]:
    """The title's lines, at most `max_lines`; the last one ends in "…" when the title is cut."""
    spans = line_spans(text, fits=fits)
    lines = [text[s:e].strip() for s, e in spans]
    if len(lines) <= max_lines:
        return lines
    kept = lines[: max_lines - 1]
    return [*kept, _cut_with_ellipsis(text, spans[max_lines - 1][0], fits)]


# --- Drawing -----------------------------------------------------------------------------------


# Advance width of each character, per font: the line breaker asks for the
# width of many candidate lines, and measuring each one whole (about 1 ms for a
# line of CJK) made drawing a long title take a second.
_ADVANCES: dict[ImageFont.FreeTypeFont, dict[str, float]] = {}


def _fitter(font: ImageFont.FreeTypeFont, width: int) -> Callable[[str], bool]:
    advances = _ADVANCES.setdefault(font, {})

    def measure(char: str) -> float:
        if char not in advances:
            advances[char] = font.getlength(char)
        return advances[char]

    return lambda line: sum(measure(char) for char in line) <= width


def _title_lines(title: str, font_path: str) -> tuple[ImageFont.FreeTypeFont, list[str], int]:
    """The largest size at which the whole title fits; else the smallest, cut."""
    width = WIDTH - 2 * MARGIN
    for size in TITLE_SIZES:
        font = _font(font_path, size)
        line_height = round(size * LINE_SPACING)
        max_lines = max(1, (TITLE_BOTTOM - TITLE_TOP) // line_height)
        fits = _fitter(font, width)
        if len(line_spans(title, fits=fits)) <= max_lines:
            break
    return font, layout_title(title, max_lines=max_lines, fits=fits), line_height


def _draw_band(draw: ImageDraw.ImageDraw, site_name: str, font_path: str) -> None:
    top = HEIGHT - BAND_HEIGHT
    draw.rectangle((0, top, WIDTH, HEIGHT), fill=BAND)
    # The site's mark: the accent square with a question mark, as on the default card.
    box = 58
    box_top = top + (BAND_HEIGHT - box) // 2
    draw.rounded_rectangle((MARGIN, box_top, MARGIN + box, box_top + box), radius=12, fill=ACCENT)
    mark_font = _font(font_path, 40)
    draw.text((MARGIN + box / 2, box_top + box / 2), "?", font=mark_font, fill=BACKGROUND, anchor="mm")
    name_font = _font(font_path, 36)
    name_left = MARGIN + box + 24
    fits = _fitter(name_font, WIDTH - MARGIN - name_left)
    name = layout_title(site_name, max_lines=1, fits=fits)
    draw.text((name_left, top + BAND_HEIGHT / 2), name[0] if name else "", font=name_font, fill=TEXT, anchor="lm")


def _draw_category(draw: ImageDraw.ImageDraw, category: str, font_path: str) -> None:
    font = _font(font_path, 30)
    # Kept clear of the circle at the top right.
    lines = layout_title(category, max_lines=1, fits=_fitter(font, CATEGORY_MAX_WIDTH))
    if not lines:
        return
    label = lines[0]
    left, top, pad_x, height = MARGIN, 78, 22, 54
    right = left + font.getlength(label) + 2 * pad_x
    draw.rounded_rectangle((left, top, right, top + height), radius=height // 2, fill=ACCENT)
    draw.text((left + pad_x, top + height / 2), label, font=font, fill=ACCENT_TEXT, anchor="lm")


def render_share_image(*, title: str, category: str, site_name: str, font_path: str) -> bytes:
    """The PNG bytes of a tip's share image. Raises FontUnavailable when
    `font_path` cannot draw Japanese."""
    if not font_path or not Path(font_path).is_file() or not _draws_japanese(font_path):
        raise FontUnavailable(font_path)
    title = drawable_text(title, font_path)
    category = drawable_text(category, font_path)
    site_name = drawable_text(site_name, font_path)

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    # The default card's circle, top right, behind everything.
    draw.ellipse((WIDTH - 300, -330, WIDTH + 160, 130), fill=CIRCLE)
    # (It ends above the title, so that no line of a long title runs over it.)
    _draw_category(draw, category, font_path)

    font, lines, line_height = _title_lines(title, font_path)
    block = line_height * len(lines)
    # Centre the title block in the room between the category and the band.
    y = TITLE_TOP + max(0, (TITLE_BOTTOM - TITLE_TOP - block) // 2)
    for line in lines:
        left = MARGIN - (font.size // 2 if line[:1] in _OPENING_BRACKETS else 0)
        draw.text((left, y + line_height / 2), line, font=font, fill=TEXT, anchor="lm")
        y += line_height
    _draw_band(draw, site_name, font_path)

    output = io.BytesIO()
    # A handful of flat colours and their anti-aliased blends: 64 palette entries
    # look the same, make a file a third the size and save several times faster.
    image.quantize(colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE).save(output, format="PNG")
    return output.getvalue()
