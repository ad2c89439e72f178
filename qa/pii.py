"""Spot what looks like personal data in text that is about to become public.

This is a warning for staff, not a guarantee: it errs towards false positives,
and staff confirm before publishing anyway.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# International (+81 90-1234-5678), Japanese mobile/landline (090-1234-5678,
# 03-1234-5678, 0120-123-456) and unseparated (09012345678) numbers.
PHONE = re.compile(
    r"(?<![0-9A-Za-z-])(?:\+\d{1,3}[\s-]?)?(?:\(?0?\d{1,4}\)?[\s-]?)\d{1,4}[\s-]\d{3,4}(?![0-9A-Za-z-])"
    r"|(?<!\d)0\d{9,10}(?!\d)"
)

# Dashes people type in phone numbers, Japanese ones included (ー, ―, ‐, −).
_DASHES = str.maketrans({ch: "-" for ch in "‐‑‒–—―−ーｰ"})


@dataclass(frozen=True)
class PiiFinding:
    kind: str
    label: str
    text: str


def pii_find(text: str) -> list[PiiFinding]:
    """Every email address, phone number and order/membership number in `text`."""
    # NFKC turns full-width digits and symbols (０９０－１２３４) into ASCII first.
    normalized = unicodedata.normalize("NFKC", text or "").translate(_DASHES)
    checks = [
        ("email", _("email address"), EMAIL),
        ("phone", _("phone number"), PHONE),
        ("order_number", _("order or membership number"), re.compile(settings.PII_ORDER_NUMBER_PATTERN)),
    ]
    findings = []
    for kind, label, pattern in checks:
        for match in pattern.finditer(normalized):
            value = match.group(0).strip()
            if kind == "phone" and sum(ch.isdigit() for ch in value) < 9:
                continue
            findings.append(PiiFinding(kind=kind, label=str(label), text=value))
    return findings
