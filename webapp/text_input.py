"""Text that crosses the web boundary: no control characters, no lone surrogates.

A NUL byte is refused by PostgreSQL's text type, and a lone surrogate ("\\ud800") cannot be
encoded as UTF-8 for the relay to Rasa; both used to end in a bare 500. Every free-text field of
the public and department APIs goes through :func:`clean_text` before anything else sees it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator

# C0 and C1 controls except tab and newline; DEL; lone UTF-16 surrogates; non-characters.
_UNWANTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_ENDINGS = re.compile(r"\r\n?|\u2028|\u2029")


def clean_text(value: str) -> str:
    """NFC-normalised text with line endings unified and control characters removed, trimmed."""
    value = _LINE_ENDINGS.sub("\n", value)
    value = _UNWANTED.sub("", value)
    return unicodedata.normalize("NFC", value).strip()


def _require_content(value: str) -> str:
    if not value:
        raise ValueError("内容不能为空")
    return value


CleanText = Annotated[str, AfterValidator(clean_text), AfterValidator(_require_content)]
"""A non-empty cleaned text (length limits go on the Field, counted before cleaning)."""
OptionalCleanText = Annotated[str, AfterValidator(clean_text)]
