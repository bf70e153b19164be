"""Numbers heard on the phone: speech results normalised before the NLU sees them, phone numbers
taken from keys or speech, and numbers grouped and spelled out digit by digit for reading back.

Speech recognisers return "幺三八 一二三四 五六七八", "１３８…", mixed forms ("138一二三四5678") or
traditional characters (請問…). :func:`normalise_speech` makes one plain simplified string of them:
long runs of Chinese digits become Arabic digits (phone and work-order numbers), amounts with a unit
become numbers ("两百五十元" → "250元"), and everyday words keep their characters ("咨询一下",
"统一", "第一次" stay as they are).
"""

from __future__ import annotations

import functools
import re
import warnings
from typing import Any

DIGIT_CHARS = {
    "零": "0",
    "〇": "0",
    "洞": "0",
    "一": "1",
    "幺": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "拐": "7",
    "八": "8",
    "九": "9",
}
# How a digit is said when a number is read digit by digit (1 as 幺, as phone numbers are read).
SPOKEN_DIGITS = {
    "0": "零",
    "1": "幺",
    "2": "二",
    "3": "三",
    "4": "四",
    "5": "五",
    "6": "六",
    "7": "七",
    "8": "八",
    "9": "九",
}
_DIGIT = "0-9零〇洞一幺二两三四五六七拐八九"
# A digit string: at least three digits, possibly separated by spaces, commas or dashes as people
# pause while saying a phone number. Runs of Chinese digits only when three or more in a row.
_DIGIT_RUN = re.compile(rf"[{_DIGIT}](?:[\s,，、]*[{_DIGIT}]){{2,}}")
_CHINESE_DIGIT = re.compile(r"[零〇洞一幺二两三四五六七拐八九]")
# A number with a unit word ("两百五十元", "十二月", "三千块"): cn2an turns the number part into digits.
_AMOUNT = re.compile(
    r"(?<![第])[零〇一二两三四五六七八九十百千万]*[十百千万][零〇一二两三四五六七八九十百千万]*"
    r"(?=元|块|号|楼|层|栋|幢|单元|室|户|平方|米|公里|岁|年|个月|月|日|天|小时|分钟|人|次)"
)
# "杠" / "横杠" between digits is the dash of a landline or work-order number.
_DASH_WORD = re.compile(r"(?<=[0-9])\s*(?:横杠|杠|减)\s*(?=[0-9])")
_TRAILING = re.compile(r"[。.！!\s]+$")

# Full-width digits and Latin letters (１３８, ＪＺ) to ASCII; full-width punctuation (，。) stays as it is.
_FULL_WIDTH = {code: code - 0xFEE0 for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
_FULL_WIDTH[0x3000] = 0x20  # ideographic space
_FULL_WIDTH[0xFF0D] = 0x2D  # full-width hyphen-minus

MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")


@functools.cache
def _t2s() -> Any:
    """The traditional → simplified converter (opencc-purepy; built once, about 0.1 s)."""
    from opencc_purepy import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    return str(_t2s().convert(text)) if text else text


def _digit_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if not _CHINESE_DIGIT.search(run):
        return run  # Arabic digits only: keep the caller's grouping
    digits = "".join(DIGIT_CHARS.get(char, char) for char in run if char in DIGIT_CHARS or char.isdigit())
    return digits


def _amount(match: re.Match[str]) -> str:
    import cn2an

    run = match.group(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = cn2an.cn2an(run, "smart")
    except (ValueError, KeyError, IndexError):
        return run
    return str(int(value)) if float(value).is_integer() else str(value)


def normalise_speech(text: str) -> str:
    """One speech result as plain simplified Chinese with Arabic digit strings (see the module)."""
    if not text:
        return ""
    folded = text.translate(_FULL_WIDTH)
    simplified = to_simplified(folded)
    with_amounts = _AMOUNT.sub(_amount, simplified)
    digits = _DIGIT_RUN.sub(_digit_run, with_amounts)
    dashed = _DASH_WORD.sub("-", digits)
    return _TRAILING.sub("", dashed).strip()


def phone_number(text: str) -> str | None:
    """A mainland mobile (11 digits) or a landline with its area code, from keys or normalised speech."""
    compact = re.sub(r"[\s,，、()（）]", "", normalise_speech(text))
    compact = compact.removeprefix("+86").removeprefix("0086")
    for match in re.finditer(r"0\d{2,3}-?\d{7,8}|1[3-9]\d{9}|\d+", compact):
        value = match.group(0)
        if MOBILE.fullmatch(value) or LANDLINE.fullmatch(value):
            return value
    return None


def national_number(e164: str) -> str | None:
    """The caller's number as the carrier gives it (+8613812345678) in national form, if mainland."""
    value = re.sub(r"[\s-]", "", e164 or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    if MOBILE.fullmatch(value):
        return value
    if re.fullmatch(r"[1-9]\d{2,3}\d{7,8}", value) and not value.startswith("1"):
        return "0" + value  # a landline given without its trunk 0
    if LANDLINE.fullmatch(value):
        return value
    return None


def is_mobile(number: str) -> bool:
    return bool(MOBILE.fullmatch(number or ""))


# Area codes of four digits start with 03-09; 010 and 02x have three. Enough to group a landline.
_FOUR_DIGIT_AREA = frozenset(f"0{a}{b}{c}" for a in "3456789" for b in "0123456789" for c in "0123456789")


def digit_groups(number: str) -> list[str]:
    """How a number is read back: mobiles 3-4-4, landlines area code then the rest in fours,
    anything else in fours from the left (a short service number stays one group)."""
    digits = re.sub(r"\D", "", number or "")
    if MOBILE.fullmatch(digits):
        return [digits[:3], digits[3:7], digits[7:]]
    if LANDLINE.fullmatch(number.replace(" ", "")) or (digits.startswith("0") and 10 <= len(digits) <= 12):
        area = 4 if digits[:4] in _FOUR_DIGIT_AREA or len(digits) == 12 else 3
        rest = digits[area:]
        local = [rest[:3], rest[3:]] if len(rest) == 7 else [rest[i : i + 4] for i in range(0, len(rest), 4)]
        return [digits[:area], *local]
    if len(digits) <= 5:
        return [digits] if digits else []
    return [digits[i : i + 4] for i in range(0, len(digits), 4)]


def spell_digits(digits: str) -> str:
    """'138' → '幺三八': each digit as a word, so a speech engine cannot read an amount."""
    return "".join(SPOKEN_DIGITS.get(char, char) for char in digits if char.isdigit())


def last_four(number: str) -> str:
    return re.sub(r"\D", "", number or "")[-4:]
