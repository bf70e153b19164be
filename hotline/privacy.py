"""Masking of callers' personal data (phone numbers, ID numbers, names) for logs and displays.

Every process installs :class:`PiiMaskingFilter` on its log handlers (one logging configuration
for all of them: :mod:`hotline.logging_config`), so a caller's number never reaches a log file in
clear text, whatever its width (１３８…) or separators. Short service numbers (12345, 110) and work-order
numbers (JZ20261122-0001) are left alone.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable

# The patterns run on a folded copy of the text (see _fold), so they only need ASCII. A number
# glued to letters ("id410802…", "tel13812345678") is masked too: better a hex id masked than a number shown.
# Mainland mobile numbers, optionally with +86 / 86 and spaces or dashes in the usual places.
_MOBILE = re.compile(
    r"(?<![0-9])(?P<cc>(?:\+?86[\s-]?)?)(?P<head>1[3-9][0-9])(?P<sep1>[\s-]?)(?P<mid>[0-9]{4})"
    r"(?P<sep2>[\s-]?)(?P<tail>[0-9]{4})(?![0-9])"
)
# 18-digit resident ID (last character may be X), also grouped 6-8-4, and the old 15-digit form.
_ID_18 = re.compile(r"(?<![0-9])[0-9]{6}[\s-]?[0-9]{8}[\s-]?[0-9]{3}[0-9Xx](?![0-9])")
_ID_15 = re.compile(r"(?<![0-9])[1-9][0-9]{5}[0-9]{5}[0-9]{4}(?![0-9])")
# Landlines with an area code: 0391-3568888, (0391)3568888, 039135688888, optional extension.
_LANDLINE = re.compile(r"(?<![0-9])(?P<area>\(?0[0-9]{2,3}\)?)(?P<sep>[\s-]?)(?P<local>[2-9][0-9]{6,7})(?![0-9])")
# Secrets passed as a query parameter (Rasa's and the action server's `?token=`).
_TOKEN_PARAM = re.compile(r"(?P<key>[?&](?:token|auth_token|access_token)=)(?P<value>[^&\s\"'#]+)")
# Escaped characters a log line may carry: %-encoded UTF-8 (URLs), \xNN bytes (bytes reprs)
# and \uNNNN (JSON); and any non-ASCII character (full-width digits and separators).
_UNITS = re.compile(r"(?:%[0-9A-Fa-f]{2})+|(?:\\x[0-9A-Fa-f]{2})+|\\u[0-9A-Fa-f]{4}|[^\x00-\x7f]")
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")


def mask_phone(phone: str) -> str:
    """Mask a phone number: mobiles keep 3 + 4 digits ("138****5678"), landlines their area code
    and last 4 digits ("0391-****8888"); anything else keeps only its last 4 digits."""
    if not phone:
        return phone
    stripped = phone.strip()
    folded, _ = _fold(stripped)
    if _MOBILE.fullmatch(folded) or _LANDLINE.fullmatch(folded):
        return mask_text(stripped)
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


ADDRESS_SHOWN = 6


def mask_address(address: str) -> str:
    """Keep the street or village readable for sorting work, hide the house number:
    "城关镇人民路12号3单元" → "城关镇人民路****"."""
    if not address:
        return address
    return address[:ADDRESS_SHOWN] + ("****" if len(address) > ADDRESS_SHOWN else "")


def mask_name(name: str) -> str:
    """Keep the family name's first character: "张三丰" → "张**", "李四" → "李*"."""
    if not name:
        return name
    value = name.strip()
    if len(value) == 1:
        return "*"
    return value[0] + "*" * (len(value) - 1)


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character as the patterns should see it: full-width and other digits as ASCII digits,
    dashes as "-", spaces as " " (NFKC for the rest when it gives one ASCII character)."""
    if char in _DASHES:
        return "-"
    if char.isspace():
        return " "
    normal = unicodedata.normalize("NFKC", char)
    if len(normal) == 1 and normal.isascii():
        return normal
    decimal = unicodedata.decimal(char, None)
    return str(decimal) if decimal is not None else char


def _decode_escapes(run: str, width: int) -> list[tuple[str, int]]:
    """Decode a run of %NN or \\xNN escapes (``width`` characters each) as UTF-8:
    (character, escapes it took); bytes that do not decode stand for themselves as "?"."""
    data = bytes(int(run[i + width - 2 : i + width], 16) for i in range(0, len(run), width))
    decoded: list[tuple[str, int]] = []
    i = 0
    while i < len(data):
        lead = data[i]
        size = 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
        try:
            decoded.append((data[i : i + size].decode("utf-8"), size))
        except UnicodeDecodeError:
            decoded.append(("?", 1))
            size = 1
        i += size
    return decoded


def _fold(text: str) -> tuple[str, list[tuple[int, int]] | None]:
    """A copy of ``text`` for matching (escapes decoded, characters folded by :func:`_fold_char`)
    and, for each of its characters, the span of ``text`` it came from (None: same positions)."""
    if text.isascii() and "%" not in text and "\\" not in text:
        return text, None
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    position = 0
    for unit in _UNITS.finditer(text):
        start, end = unit.span()
        chars.extend(text[position:start])
        spans.extend((i, i + 1) for i in range(position, start))
        value = unit.group()
        if value[0] == "%" or value.startswith("\\x"):
            width = 3 if value[0] == "%" else 4
            for char, count in _decode_escapes(value, width):
                chars.append(_fold_char(char))
                spans.append((start, start + count * width))
                start += count * width
        elif value.startswith("\\u"):
            chars.append(_fold_char(chr(int(value[2:], 16))))
            spans.append((start, end))
        else:
            chars.append(_fold_char(value))
            spans.append((start, end))
        position = end
    chars.extend(text[position:])
    spans.extend((i, i + 1) for i in range(position, len(text)))
    return "".join(chars), spans


def _id_positions(match: re.Match[str]) -> Iterable[int]:
    """Every character of an ID number but the first 6 and the last 4 (separators excepted)."""
    characters = [i for i in range(match.start(), match.end()) if match.string[i].isalnum()]
    return characters[6:-4]


def _mobile_positions(match: re.Match[str]) -> Iterable[int]:
    return range(match.start("mid"), match.end("mid"))


def _landline_positions(match: re.Match[str]) -> Iterable[int]:
    return range(match.start("local"), match.end("local") - 4)


_MASKS = (
    (_ID_18, _id_positions),
    (_ID_15, _id_positions),
    (_MOBILE, _mobile_positions),
    (_LANDLINE, _landline_positions),
)


def mask_text(text: str) -> str:
    """Mask every ID, mobile and landline number found in free text, in any width (１３８…),
    with separators, %-encoded in URLs or escaped in JSON and bytes reprs; also `?token=` values.

    Matching runs on a folded copy (:func:`_fold`); only the masked digits change in ``text``.
    """
    if not text:
        return text
    text = _TOKEN_PARAM.sub(r"\g<key>***", text)
    folded, spans = _fold(text)
    chars = list(folded)
    starred: set[int] = set()
    for pattern, positions in _MASKS:
        for match in pattern.finditer("".join(chars)):
            for i in positions(match):
                chars[i] = "*"
                starred.add(i)
    if not starred:
        return text
    pieces: list[str] = []
    previous = 0
    for i in sorted(starred):
        start, end = spans[i] if spans is not None else (i, i + 1)
        pieces.append(text[previous:start])
        pieces.append("*")
        previous = end
    pieces.append(text[previous:])
    return "".join(pieces)


# Attributes every LogRecord has; any other string attribute came from ``extra=`` (Sanic puts the
# request line there) and is masked too.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


class PiiMaskingFilter(logging.Filter):
    """Log filter that masks personal numbers in the message, its arguments and tracebacks.

    The message is formatted here (``msg % args``) and the masked result replaces both, because
    masking arguments one by one misses numbers split across them and breaks ``%d`` formats.
    Attach it to handlers: filters on a logger do not see records propagated from child loggers.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_pii_masked", False):  # another handler's filter did it already
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string (any error): still mask what we can
            message = f"{record.msg} {record.args}"
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _RECORD_ATTRIBUTES and isinstance(value, str):
                setattr(record, name, mask_text(value))
        record._pii_masked = True
        return True


def install_log_masking(handlers: Iterable[logging.Handler] | None = None) -> PiiMaskingFilter:
    """Attach one masking filter to ``handlers`` (default: the root logger's handlers)."""
    masking = PiiMaskingFilter()
    for handler in handlers if handlers is not None else logging.getLogger().handlers:
        if not any(isinstance(existing, PiiMaskingFilter) for existing in handler.filters):
            handler.addFilter(masking)
    return masking
