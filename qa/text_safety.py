"""Characters that must not reach a title: NUL and the bidi controls.

- NUL (U+0000): PostgreSQL refuses it in text, so it would be a server error
  instead of a message. Django forms refuse it already; imports need this check.
- Bidi embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069):
  invisible, and they reorder the text shown after them, so a title could read
  as something it is not ("Trojan Source", CVE-2021-42574). They are refused in
  titles, not stripped: silently changing what someone typed is worse than
  asking them to remove it. The marks U+200E/U+200F and right-to-left scripts
  themselves are fine. Longer text (bodies, answers) may keep them: it is
  rendered in its own element with dir="auto", which isolates it.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
BIDI_CONTROLS_MESSAGE = _(
    "The title cannot contain invisible text-direction characters (such as U+202E RIGHT-TO-LEFT OVERRIDE). "
    "Please remove them."
)
NUL_MESSAGE = _("Null characters are not allowed.")


def validate_no_nul(value: str) -> None:
    if "\x00" in value:
        raise ValidationError(NUL_MESSAGE, code="null_characters_not_allowed")


def validate_no_bidi_controls(value: str) -> None:
    if BIDI_CONTROLS.search(value):
        raise ValidationError(BIDI_CONTROLS_MESSAGE, code="bidi_controls")


def validate_title_characters(value: str) -> None:
    """For titles that do not come through a Django form field (which refuses NUL itself)."""
    validate_no_nul(value)
    validate_no_bidi_controls(value)
