"""The reply composer's logic: who signs, and how a reply becomes posts.

Seed 001: say who you are ("○○会社の××です"), address the customer with their
@handle on X, and when a reply does not fit, split it into two or three posts,
the first ending with "(続きます)" — never more than three. Everything here is
pure except the two small reads (the signature, the saved replies).

Threads on X: part 1 answers the customer's post and starts with @handle so
the customer is addressed and notified even when X's own reply header is
hidden. Parts 2 and 3 answer our own previous part (Delivery.thread_root), so
X shows them in the same thread under the customer's post; repeating the
handle would only spend about 10 of the 280 characters again, so they carry
none (the customer still sees them: they are in the thread they started).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex
from django.conf import settings
from django.utils.translation import gettext as _

from conversations.models import Network, SignatureTemplate, StaffProfile
from publishing.compose import X_MAX_WEIGHTED_LENGTH, graphemes, nfc, tip_link, x_weighted_length
from qa.pii import pii_find

REPLY_MAX_PARTS = 3
# Facebook's limit for one comment (a reply to a comment is a comment), in characters.
FACEBOOK_COMMENT_MAX_CHARACTERS = 8000
CONTINUED_JA = "(続きます)"

DEFAULT_SIGNATURES = {
    "en": ("— {name}, {company} support", SignatureTemplate.Position.END),
    "ja": ("{company}の{name}です。", SignatureTemplate.Position.START),
}

# Where a sentence ends: after Japanese 。！？ (and any closing brackets), after
# . ! ? followed by white space (not inside "example.com" or "v1.2"), and
# after every line break.
_CLOSERS = "」』）)\"'”’"
_SENTENCE_BOUNDARY = regex.compile(
    rf"(?<=[。！？][{_CLOSERS}]*)(?![{_CLOSERS}\s])|(?<=[.!?][{_CLOSERS}]*\s+)(?=\S)|(?<=\n)(?=[^\n])"
)
_WORD_BOUNDARY = regex.compile(r"(?<=\s)(?=\S)")


class ReplyTooLong(ValueError):
    """The reply needs more than REPLY_MAX_PARTS posts. str() is the
    translated message staff see."""

    def __init__(self, *, length: int, limit: int, network: str):
        self.length, self.limit, self.network = length, limit, network
        super().__init__(
            _(
                "This reply is %(length)d characters long (as %(network)s counts them); "
                "at most %(parts)d posts of %(limit)d characters are allowed. "
                "Shorten it, or hand the conversation over to a private channel."
            )
            % {"length": length, "network": Network(network).label, "parts": REPLY_MAX_PARTS, "limit": limit}
        )


# --- Signature --------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """The filled-in signature and whether it opens or closes the reply."""

    text: str
    at_start: bool

    def apply(self, text: str) -> str:
        text = nfc(text).strip()
        if not self.text:
            return text
        if self.at_start:
            # "Tipcastの山田です。ご迷惑を…": no space after Japanese punctuation.
            joiner = "" if self.text[-1] in "。、！？" else " "
            return f"{self.text}{joiner}{text}".strip()
        return f"{text}\n{self.text}".strip()


def staff_display_name(user) -> str:
    """The name a staff member signs with: their profile's display name, else
    their full name, else their username."""
    try:
        name = user.staff_profile.display_name
    except StaffProfile.DoesNotExist:
        name = ""
    return name or user.get_full_name() or user.get_username()


def reply_signature(*, user, language: str) -> Signature:
    """The site's signature template for `language` (English when the
    language has none) filled with SITE_NAME and the staff member's name."""
    row = SignatureTemplate.objects.filter(language=language).first()
    if row is not None:
        template, position = row.template, row.position
    else:
        template, position = DEFAULT_SIGNATURES.get(language, DEFAULT_SIGNATURES["en"])
    # replace, not format: braces in a name stay as typed.
    text = template.replace("{company}", settings.SITE_NAME).replace("{name}", staff_display_name(user))
    return Signature(text=nfc(text).strip(), at_start=position == SignatureTemplate.Position.START)


# --- Counting and splitting ---------------------------------------------------------------


def x_reply_length(text: str) -> int:
    """X's weighted count of a reply: links to this site count 23 like any
    link X shortens (the browser's count in static/conversations/x_count.js
    matches it; tests/conversations/test_x_count_js.py holds them together)."""
    return x_weighted_length(text, site_links=True)


@dataclass(frozen=True)
class _Rules:
    measure: Callable[[str], int]
    limit: int


def _rules(network: str) -> _Rules | None:
    if network == Network.X:
        return _Rules(measure=x_reply_length, limit=X_MAX_WEIGHTED_LENGTH)
    if network == Network.FACEBOOK:
        return _Rules(measure=lambda text: len(graphemes(text)), limit=FACEBOOK_COMMENT_MAX_CHARACTERS)
    # The web and blogs (answered by hand) take the reply whole.
    return None


def _marker(index: int, count: int, language: str) -> str:
    """What ends part `index` (0-based) of `count`: " (1/2)" in English;
    "(続きます)" on all but the last part in Japanese (seed 001)."""
    if count == 1:
        return ""
    if language == "ja":
        return "" if index == count - 1 else CONTINUED_JA
    return f" ({index + 1}/{count})"


def _units(text: str, level: str) -> list[str]:
    if level == "grapheme":
        return graphemes(text)
    boundary = _SENTENCE_BOUNDARY if level == "sentence" else _WORD_BOUNDARY
    return [piece for piece in boundary.split(text) if piece]


def _pack(units: list[str], *, fits) -> list[str] | None:
    """Greedy: each post takes as many units as fit (found by bisection, so a
    post costs a few measurements, not one per unit). None when a unit alone
    does not fit or more than REPLY_MAX_PARTS posts are needed."""
    parts: list[str] = []
    start = 0
    while start < len(units):
        if not "".join(units[start:]).strip():
            break
        if len(parts) == REPLY_MAX_PARTS or not fits(len(parts), units[start]):
            return None
        low, high = 1, len(units) - start
        while low < high:
            middle = (low + high + 1) // 2
            if fits(len(parts), "".join(units[start : start + middle])):
                low = middle
            else:
                high = middle - 1
        part = "".join(units[start : start + low]).strip()
        if part:
            parts.append(part)
        start += low
    return parts


def _split(body: str, *, prefix: str, language: str, rules: _Rules) -> list[str] | None:
    """At sentences and line breaks (Japanese 。！？ too); when that needs more
    than REPLY_MAX_PARTS posts (or one sentence is longer than a post), at
    words; then at graphemes, never inside one. Each post keeps room for its
    marker."""
    worst_marker = _marker(0, REPLY_MAX_PARTS, language)

    def fits(index: int, text: str) -> bool:
        return rules.measure((prefix if index == 0 else "") + text.strip() + worst_marker) <= rules.limit

    for level in ("sentence", "word", "grapheme"):
        parts = _pack(_units(body, level), fits=fits)
        if parts is not None:
            return parts
    return None


def reply_parts(*, text: str, network: str, handle: str, language: str, signature: Signature | None) -> list[str]:
    """The posts a reply becomes on `network`, in order, each within the
    network's limit: `@handle ` opens the first on X, the signature is placed
    as its template says, and each part but a single one carries its marker.
    Raises ReplyTooLong beyond REPLY_MAX_PARTS posts."""
    body = signature.apply(text) if signature else nfc(text).strip()
    rules = _rules(network)
    if rules is None:
        return [body]
    prefix = f"@{handle.lstrip('@')} " if network == Network.X and handle else ""
    whole = prefix + body
    length = rules.measure(whole)
    if length <= rules.limit:
        return [whole]
    # Longer than every post together: no need to try (and bounded work for any input).
    packed = (
        None if length > REPLY_MAX_PARTS * rules.limit else _split(body, prefix=prefix, language=language, rules=rules)
    )
    if packed is None:
        raise ReplyTooLong(length=length, limit=rules.limit, network=network)
    count = len(packed)
    return [
        (prefix if index == 0 else "") + part + _marker(index, count, language) for index, part in enumerate(packed)
    ]


# --- Links, saved replies, personal data ------------------------------------------------


def tip_reply_link(tip, *, network: str) -> str:
    """The tip's URL for a reply on `network`: utm_source the network,
    utm_medium=reply (publishing's UTM rules, PUBLISHING_UTM_ENABLED included)."""
    return tip_link(tip, source=network, medium="reply")


def saved_replies_for_composer():
    """The saved replies staff can insert, in their admin order."""
    from qa.models import SavedReply

    return SavedReply.objects.order_by("order", "title")


def reply_pii_findings(text: str) -> list:
    """What looks like personal data in a public reply (qa.pii: the same
    check as tips): staff must confirm before it is sent."""
    return pii_find(text)
