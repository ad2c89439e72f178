"""Turning a tip into the text and link a network receives.

Shared by the channels. Everything here is pure: no HTTP, no database writes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlencode, urlsplit

import regex
from django.conf import settings
from django.urls import reverse
from twitter_text import parse_tweet

ELLIPSIS = "…"
X_MAX_WEIGHTED_LENGTH = 280
_PLACEHOLDER = re.compile(r"\{(title|url|hashtags)\}")
_NOT_HASHTAG_CHARACTER = re.compile(r"[^\w]")


class TooLong(ValueError):
    """Even with the cuttable part empty, the text does not fit."""


# --- Links ------------------------------------------------------------------------------


def tip_link(tip, *, source: str, medium: str = "") -> str:
    """The absolute tip URL a post links to, tagged with UTM parameters
    (unless PUBLISHING_UTM_ENABLED is off) so the site's analytics can tell
    which network a visitor came from. `medium` tells a reply ("reply") from
    a post (PUBLISHING_UTM_MEDIUM)."""
    url = settings.SITE_URL + tip.get_absolute_url()
    if not settings.PUBLISHING_UTM_ENABLED:
        return url
    query = urlencode(
        {
            "utm_source": source,
            "utm_medium": medium or settings.PUBLISHING_UTM_MEDIUM,
            "utm_campaign": settings.PUBLISHING_UTM_CAMPAIGN,
        }
    )
    return f"{url}?{query}"


def link_points_to_tip(url: str, tip) -> bool:
    """True when `url` (as found in a remote post) links to `tip`'s page.

    Compares the host with SITE_URL's and the path with the tip's short path
    (/tips/<pk>/), ignoring the query string (UTM), the slug (it may have
    been edited since the post) and percent-encoding.
    """
    if not url:
        return False
    parts = urlsplit(url)
    site = urlsplit(settings.SITE_URL)
    if parts.netloc.lower() != site.netloc.lower():
        return False
    tip_prefix = unquote(site.path.rstrip("/") + reverse("qa:tip_detail_short", kwargs={"pk": tip.pk}))
    return unquote(parts.path).startswith(tip_prefix)


# --- Text helpers -----------------------------------------------------------------------


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")


def graphemes(text: str) -> list[str]:
    """User-perceived characters: a ZWJ emoji family, a flag or a letter with
    combining marks is one item, so cutting between items never breaks one."""
    return regex.findall(r"\X", text)


def truncate_graphemes(text: str, max_graphemes: int) -> str:
    """`text` cut to at most `max_graphemes` user-perceived characters,
    ending with "…" when it was cut."""
    parts = graphemes(text)
    if len(parts) <= max_graphemes:
        return text
    return "".join(parts[: max(max_graphemes - 1, 0)]).rstrip() + ELLIPSIS


_JAPANESE = regex.compile(r"[\p{Hiragana}\p{Katakana}\p{Han}]")


def text_language(text: str) -> str:
    """ "ja" for text with kana or kanji, otherwise "en" (the two languages the
    site ships): networks that filter feeds by a post's language (Bluesky,
    Mastodon) then show a Japanese tip to readers of Japanese."""
    return "ja" if _JAPANESE.search(text or "") else "en"


def hashtags_for_tags(tag_names) -> list[str]:
    """'#' + tag without spaces or punctuation, in a stable order. Japanese
    tags are valid hashtags; tags with nothing left, or only digits (X does
    not link those), are skipped."""
    result = []
    for name in sorted(tag_names, key=str.casefold):
        word = _NOT_HASHTAG_CHARACTER.sub("", nfc(name))
        tag = f"#{word}"
        if word and not word.isdigit() and tag not in result:
            result.append(tag)
    return result


def fill_placeholders(template: str, values: dict[str, str]) -> str:
    """Replace {title} {url} {hashtags} in one pass, so braces inside the
    values (or other braces in the template) are left alone."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), template)


# --- X ----------------------------------------------------------------------------------


# X turns every link into a 23-character t.co link. twitter-text counts a URL
# as 23 only when it recognises it as one, and it does not recognise a
# development SITE_URL such as http://127.0.0.1:8000: counted at full length,
# the tip link would leave a Japanese title one character. So the link is
# counted as this stand-in, which is what X will post.
X_T_CO_LINK = "https://t.co/" + "x" * 10
# What ends a link to this site in staff's text: white space as Python's str
# counts it, spelt out so that the browser's count (x_count.js) reads the same.
X_SITE_LINK_TAIL = "(?:/[^\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*)?"


def x_weighted_length(text: str, *, link: str = "", site_links: bool = False) -> int:
    """X's weighted length of `text`, counting `link` as the t.co link X posts.
    With `site_links`, every link to this site (SITE_URL followed by anything
    but white space) counts so too: staff's reply text may hold several.
    static/conversations/x_count.js counts the same way in the browser."""
    text = nfc(text)
    if link:
        text = text.replace(nfc(link), X_T_CO_LINK)
    if site_links:
        text = re.sub(re.escape(nfc(settings.SITE_URL)) + X_SITE_LINK_TAIL, X_T_CO_LINK, text)
    return parse_tweet(text).weightedLength


def fit_cutting(render: Callable[[str], str], cuttable: str, *, fits: Callable[[str], bool]) -> str:
    """render(cuttable), with `cuttable` cut at a grapheme boundary (ending
    with "…") just enough for the result to fit. Raises TooLong when even an
    empty cuttable part does not fit."""
    text = render(cuttable)
    if fits(text):
        return text
    parts = graphemes(cuttable)

    def render_first(count: int) -> str:
        if count == 0:
            return render("")
        return render("".join(parts[:count]).rstrip() + ELLIPSIS)

    if not fits(render_first(0)):
        raise TooLong
    # Largest count that fits: the length grows with the count, so bisect.
    low, high = 0, len(parts) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if fits(render_first(middle)):
            low = middle
        else:
            high = middle - 1
    return render_first(low)


def x_text(*, title: str, url: str, hashtags: list[str], template: str, text_override: str = "") -> str:
    """The tweet text: within X's 280 weighted characters, cutting only the
    title (or the override's text) and never the URL; hashtags are dropped
    from the end only when even an empty title does not fit. Raises TooLong."""

    def fits(text: str) -> bool:
        return x_weighted_length(text, link=url) <= X_MAX_WEIGHTED_LENGTH

    return templated_text(
        title=title, url=url, hashtags=hashtags, template=template, text_override=text_override, fits=fits
    )


def templated_text(
    *, title: str, url: str, hashtags: list[str], template: str, text_override: str = "", fits: Callable[[str], bool]
) -> str:
    """`template` filled in so that `fits(text)`, cutting only the title (or
    the override's text) and never the URL; hashtags are dropped from the end
    only when even an empty title does not fit. Raises TooLong."""
    title, text_override = nfc(title), nfc(text_override)
    if text_override:
        return _x_override_text(text_override, title=title, url=url, hashtags=hashtags, fits=fits)
    tags = list(hashtags)
    while True:
        values = {"url": url, "hashtags": " ".join(tags)}

        def render(cut_title: str, values=values) -> str:
            return nfc(fill_placeholders(template, {**values, "title": cut_title})).strip()

        try:
            return fit_cutting(render, title, fits=fits)
        except TooLong:
            if not tags:
                raise
            tags.pop()


def x_post(tip, *, source: str, text_override: str = ""):
    """The Post an X-shaped channel sends for `tip` (text, link, weighted
    length). Raises PublishError (permanent) when it cannot fit."""
    from publishing.channels.base import Post, PublishError

    link = tip_link(tip, source=source)
    try:
        text = x_text(
            title=tip.title,
            url=link,
            hashtags=hashtags_for_tags(tip.tags.names()),
            template=settings.PUBLISHING_X_TEMPLATE,
            text_override=text_override,
        )
    except TooLong:
        raise PublishError(
            "The X post does not fit in 280 weighted characters even without its title and hashtags.",
            permanent=True,
            code="too_long",
        ) from None
    details = {"weighted_length": x_weighted_length(text, link=link), "max": X_MAX_WEIGHTED_LENGTH}
    return Post(text=text, link=link, details=details)


def _x_override_text(override: str, *, title: str, url: str, hashtags: list[str], fits) -> str:
    """Staff's own text: placeholders are filled, the link is appended when
    the text lacks {url}, and only the part before the link is cut."""
    before, has_url, after = override.partition("{url}")
    values = {"title": title, "hashtags": " ".join(hashtags), "url": url}
    head = fill_placeholders(before, values)
    tail = url + fill_placeholders(after, values) if has_url else "\n" + url
    if not has_url:
        head = head.rstrip()
    return fit_cutting(lambda cut: nfc(cut + tail).strip(), head, fits=fits)


# --- Facebook ---------------------------------------------------------------------------

FACEBOOK_MESSAGE_MAX_GRAPHEMES = 500
# Facebook's own hard limit for a post's message.
FACEBOOK_MESSAGE_HARD_LIMIT = 63206


def facebook_message(*, title: str, answer_plain: str, text_override: str = "") -> str:
    """Title, a blank line, and an excerpt of the answer's plain text (the
    tip's stored answer_plain: no Markdown syntax), at most
    FACEBOOK_MESSAGE_MAX_GRAPHEMES characters. The link travels separately (as
    the link card), so it is not in the text."""
    if text_override:
        return truncate_graphemes(nfc(text_override).strip(), FACEBOOK_MESSAGE_HARD_LIMIT)
    title = nfc(title).strip()
    excerpt = nfc(answer_plain)
    room = FACEBOOK_MESSAGE_MAX_GRAPHEMES - len(graphemes(title)) - 2
    if not excerpt or room <= 1:
        return truncate_graphemes(title, FACEBOOK_MESSAGE_MAX_GRAPHEMES)
    return f"{title}\n\n{truncate_graphemes(excerpt, room)}"


# --- Bluesky ----------------------------------------------------------------------------

BLUESKY_MAX_GRAPHEMES = 300
# The link is shown shortened, as Bluesky's own app does (host and path, no
# scheme or query); the facet carries the whole URL. A Japanese slug
# percent-encoded is hundreds of characters: written out, it would leave no
# room for the title.
BLUESKY_LINK_DISPLAY_GRAPHEMES = 32


@dataclass(frozen=True)
class LinkedText:
    """Post text with one link in it, located in UTF-8 bytes (how Bluesky's
    facets index text), and the URL the link goes to."""

    text: str
    url: str
    byte_start: int
    byte_end: int


def link_display_text(url: str, *, max_graphemes: int = BLUESKY_LINK_DISPLAY_GRAPHEMES) -> str:
    """'support.example.com/tips/12/how-do-i-return-…' for a long tip URL: readable
    (percent-encoding undone), without scheme or query, cut at a grapheme."""
    parts = urlsplit(url)
    shown = nfc(parts.netloc + unquote(parts.path)).rstrip("/")
    return truncate_graphemes(shown, max_graphemes)


def bluesky_text(*, title: str, url: str, text_override: str = "") -> LinkedText:
    """The post: the title (or staff's text, {url} placing the link), cut at
    a grapheme boundary so the whole text is at most 300 graphemes, then the
    link's display text. Raises TooLong."""
    display = link_display_text(url)
    override = nfc(text_override).strip()
    if override:
        before, has_url, after = override.partition("{url}")
        head = fill_placeholders(before, {"title": nfc(title), "hashtags": ""})
        tail = fill_placeholders(after, {"title": nfc(title), "hashtags": ""}) if has_url else ""
        separator = "" if has_url else "\n"
        head = head if has_url else head.rstrip()
    else:
        head, tail, separator = nfc(title).strip(), "", "\n"

    def render(cut_head: str) -> str:
        return nfc(cut_head + separator + display + tail)

    def fits(text: str) -> bool:
        return len(graphemes(text)) <= BLUESKY_MAX_GRAPHEMES

    text = fit_cutting(render, head, fits=fits)
    prefix = text[: len(text) - len(display) - len(tail)]
    start = len(prefix.encode("utf-8"))
    return LinkedText(text=text, url=url, byte_start=start, byte_end=start + len(display.encode("utf-8")))


# --- Mastodon ---------------------------------------------------------------------------

MASTODON_DEFAULT_MAX_CHARACTERS = 500
# Mastodon counts every URL as this many characters, whatever its length.
MASTODON_URL_LENGTH = 23
_MASTODON_URL = re.compile(r"https?://\S+")


def mastodon_length(text: str) -> int:
    """Mastodon's count: grapheme clusters, every URL as 23 characters
    (its StatusLengthValidator)."""
    return len(graphemes(_MASTODON_URL.sub("x" * MASTODON_URL_LENGTH, nfc(text))))


def mastodon_text(
    *, title: str, url: str, hashtags: list[str], template: str, max_characters: int, text_override: str = ""
) -> str:
    """The status: `template` filled within the instance's limit, cutting
    only the title (or staff's text). Raises TooLong."""
    return templated_text(
        title=title,
        url=url,
        hashtags=hashtags,
        template=template,
        text_override=text_override,
        fits=lambda text: mastodon_length(text) <= max_characters,
    )
