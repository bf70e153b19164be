"""Masking of callers' personal data (phone numbers, ID numbers, names) for logs and displays.

Every process installs :class:`PiiMaskingFilter` on its log handlers, so a caller's number
never reaches a log file in clear text. Short service numbers (12345, 110) and work-order
numbers (JZ20261122-0001) are left alone.
"""
from __future__ import annotations

import logging
import re
from typing import Iterable

# Mainland mobile numbers, optionally with +86 / 86 and spaces or dashes in the usual places.
_MOBILE = re.compile(
    r"(?<![\dA-Za-z])(?P<cc>(?:\+?86[\s-]?)?)(?P<head>1[3-9]\d)(?P<sep1>[\s-]?)(?P<mid>\d{4})(?P<sep2>[\s-]?)(?P<tail>\d{4})(?!\d)"
)
# 18-digit resident ID (last character may be X) and the old 15-digit form.
_ID_18 = re.compile(r"(?<![\dA-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![\dA-Za-z])")
_ID_15 = re.compile(r"(?<![\dA-Za-z])([1-9]\d{5})(\d{5})(\d{4})(?![\dA-Za-z])")
# Landlines with an area code: 0391-3568888, (0391)3568888, 039135688888, optional extension.
_LANDLINE = re.compile(
    r"(?<![\dA-Za-z])(?P<area>\(?0\d{2,3}\)?)(?P<sep>[\s-]?)(?P<local>[2-9]\d{6,7})(?!\d)"
)


def mask_phone(phone: str) -> str:
    """Mask a phone number: mobiles keep 3 + 4 digits ("138****5678"), landlines their area code
    and last 4 digits ("0391-****8888"); anything else keeps only its last 4 digits."""
    if not phone:
        return phone
    stripped = phone.strip()
    if _MOBILE.fullmatch(stripped):
        return _MOBILE.sub(_mask_mobile_match, stripped)
    if _LANDLINE.fullmatch(stripped):
        return _LANDLINE.sub(_mask_landline_match, stripped)
    digits = [i for i, ch in enumerate(stripped) if ch.isdigit()]
    keep = set(digits[-4:]) if len(digits) > 4 else set()
    return "".join("*" if ch.isdigit() and i not in keep else ch for i, ch in enumerate(stripped))


def mask_id_number(id_number: str) -> str:
    """Keep the first 6 (region) and last 4 characters of a resident ID number."""
    if not id_number:
        return id_number
    value = id_number.strip()
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(name: str) -> str:
    """Keep the family name's first character: "张三丰" → "张**", "李四" → "李*"."""
    if not name:
        return name
    value = name.strip()
    if len(value) == 1:
        return "*"
    return value[0] + "*" * (len(value) - 1)


def _mask_mobile_match(match: re.Match[str]) -> str:
    return f"{match['cc']}{match['head']}{match['sep1']}****{match['sep2']}{match['tail']}"


def _mask_landline_match(match: re.Match[str]) -> str:
    local = match["local"]
    return f"{match['area']}{match['sep']}{'*' * (len(local) - 4)}{local[-4:]}"


def _mask_id_match(match: re.Match[str]) -> str:
    return mask_id_number(match.group(0))


def mask_text(text: str) -> str:
    """Mask every ID, mobile and landline number found in free text."""
    if not text:
        return text
    text = _ID_18.sub(_mask_id_match, text)
    text = _ID_15.sub(_mask_id_match, text)
    text = _MOBILE.sub(_mask_mobile_match, text)
    return _LANDLINE.sub(_mask_landline_match, text)


class PiiMaskingFilter(logging.Filter):
    """Log filter that masks personal numbers in the message, its arguments and tracebacks.

    The message is formatted here (``msg % args``) and the masked result replaces both, because
    masking arguments one by one misses numbers split across them and breaks ``%d`` formats.
    Attach it to handlers: filters on a logger do not see records propagated from child loggers.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: still mask what we can
            message = f"{record.msg} {record.args}"
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def install_log_masking(handlers: Iterable[logging.Handler] | None = None) -> PiiMaskingFilter:
    """Attach one masking filter to ``handlers`` (default: the root logger's handlers)."""
    masking = PiiMaskingFilter()
    for handler in handlers if handlers is not None else logging.getLogger().handlers:
        if not any(isinstance(existing, PiiMaskingFilter) for existing in handler.filters):
            handler.addFilter(masking)
    return masking
