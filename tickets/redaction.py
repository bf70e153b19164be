"""What redaction writes in place of a caller's personal data, and the scrubbing of free text.

Event notes are written by people (a department's reply, a return reason, a 备注) and may quote
the caller's phone number or address. ``scrub`` removes what the order itself knows to be
personal (its phone, address, description, conversation id) and anything shaped like a phone
or resident ID number, and keeps the rest (department names, deadlines, scores).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

REDACTED = "[已删除个人信息]"
# Stands in for a conversation id where the column may not be empty (satisfaction ratings, actors).
REDACTED_ID = "[已删除]"

_PATTERNS = (
    # Mobiles, optionally +86 and 3-4-4 separators.
    re.compile(r"(?<![\dA-Za-z])(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)"),
    # Resident ID numbers (18 characters, the last may be X; the old 15 digits).
    re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])"),
    re.compile(r"(?<![\dA-Za-z])\d{15}(?![\dA-Za-z])"),
    # Landlines with an area code: 0391-3568888, (0391)3568888.
    re.compile(r"(?<![\dA-Za-z])\(?0\d{2,3}\)?[\s-]?[2-9]\d{6,7}(?!\d)"),
    # Any other long run of digits (a landline without area code, a bank card …).
    re.compile(r"(?<!\d)\d{7,}(?!\d)"),
)
_SHORTEST_KNOWN = 2  # single characters would wipe unrelated text
# Full-width digits, plus and dash as half-width; the rest of the text keeps its own characters.
_FOLD = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "＋": "+", "－": "-"})


def scrub(text: str | None, known: Iterable[str | None] = ()) -> str | None:
    """``text`` with the ``known`` personal strings and phone/ID-shaped numbers replaced by REDACTED.

    Full-width digits are folded first, so "１３８…" is caught like "138…".
    """
    if text is None:
        return None
    result = text.translate(_FOLD)
    values = {
        form.strip()
        for value in known
        if value
        for form in (value, value.translate(_FOLD), unicodedata.normalize("NFKC", value))
    }
    for value in sorted((v for v in values if len(v) >= _SHORTEST_KNOWN), key=len, reverse=True):
        result = result.replace(value, REDACTED)
    for pattern in _PATTERNS:
        result = pattern.sub(REDACTED, result)
    return result
