"""Stage 3, validity and departments: the lead department of a section, the end of a document's
or a section's validity (执行期限至 / 有效期为……至…… / 有效期X年), and the region of other cities'
documents."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from knowledge_base.importers.policy_documents.text import CJK, DATE_PATTERN, iso_date

_OTHER_CITY_RE = re.compile(rf"^(?:中共)?([{CJK}]{{2,4}}市)")
_DEPARTMENT_RES = (
    re.compile(r"(?:总)?牵头(?:单位|部门)\s*：\s*((?:[^。；\n（）]|（[^（）]*）)+)"),
    re.compile(r"责任(?:单位|部门)\s*：\s*((?:[^。；\n（）]|（[^（）]*）)+)"),
    re.compile(r"[（]([^（）。；]{2,60}?)(?:牵头|负责)"),
)
_DEPARTMENT_TAIL_RE = re.compile(
    r"(?:负责|配合|按照?职责分工|按职责|等相关单位|等有关单位|等有关部门|等部门|等单位|等)$"
)
_VALIDITY_WORD = r"(?:执行期限|实施期限|执行期|实施期|有效期|试行期|执行时间|实施时间)"
_VALID_TO_RE = re.compile(
    rf"(?:{_VALIDITY_WORD}(?:为|延续|延长|暂定)?(?:至|到|截至|截止到?)"
    rf"|(?:执行|实施|施行|有效|适用)(?:至|到|截至|截止到?))\s*{DATE_PATTERN}"
)
# "执行期限为2024年1月1日至2025年12月31日" / "有效期：2024年1月1日—2025年12月31日"
_RANGE_START_DATE = DATE_PATTERN.replace("?P<y>", "?P<y0>").replace("?P<m>", "?P<m0>").replace("?P<d>", "?P<d0>")
_VALID_RANGE_RE = re.compile(
    rf"{_VALIDITY_WORD}(?:为|是|[:：])?\s*{_RANGE_START_DATE}"
    rf"\s*(?:起)?\s*(?:至|到|—|－|-|~|～)\s*{DATE_PATTERN}"
)
_DOCUMENT_WORD = r"(?:办法|规定|方案|措施|通知|意见|政策|细则|通告|决定|规划|计划)"
_DOC_VALIDITY_RE = re.compile(
    rf"(?:本|以上|上述){_DOCUMENT_WORD}[^。]{{0,30}}(?:有效期|执行期限|实施期限|执行至|实施至)"
    rf"|自[^。]{{0,25}}起(?:施行|实施|执行)[^。]{{0,15}}(?:有效期|执行期限|实施期限)"
)
_VALID_YEARS_RE = re.compile(r"有效期(?:为|是)?([一二两三四五六七八九十\d]+)年")
_EFFECTIVE_FROM_RE = re.compile(rf"自\s*{DATE_PATTERN}\s*起(?:施行|实施|执行)")


def lead_department(text: str) -> str:
    for pattern in _DEPARTMENT_RES:
        match = pattern.search(text)
        if match:
            value = re.split(r"牵头(?=[，、；]|$)", match.group(1))[0].split("，")[0]
            previous = None
            while previous != value:
                previous = value
                value = _DEPARTMENT_TAIL_RE.sub("", value)
            value = value.strip("，、 ")
            if 2 <= len(value) <= 80:
                return value
    return ""


def latest_valid_to(text: str) -> str:
    """The latest end date stated in `text` ("执行期限至……", "有效期为……至……", "执行至……")."""
    dates = [iso_date(match) for match in _VALID_TO_RE.finditer(text)]
    dates += [iso_date(match) for match in _VALID_RANGE_RE.finditer(text)]
    return max((found for found in dates if found), default="")


def _cn_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    values = {char: index for index, char in enumerate("零一二三四五六七八九")}
    values["两"] = 2
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + values.get(text[1:], 0)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return values.get(tens, 0) * 10 + values.get(ones, 0)
    return values.get(text, 0)


def document_valid_to(paragraphs: Iterable[str], valid_from: str) -> str:
    """A document-level 执行期限/有效期 ("本方案有效期至……" / "自2024年1月1日起施行，有效期5年").

    A term in years counts from the stated start date ("自……起施行") or else from the issue date,
    and ends the day before the anniversary.
    """
    for paragraph in paragraphs:
        if not _DOC_VALIDITY_RE.search(paragraph):
            continue
        found = latest_valid_to(paragraph)
        if found:
            return found
        years = _VALID_YEARS_RE.search(paragraph)
        start_match = _EFFECTIVE_FROM_RE.search(paragraph)
        start_iso = (iso_date(start_match) if start_match else "") or valid_from
        if years and start_iso:
            start = date.fromisoformat(start_iso)
            count = _cn_number(years.group(1))
            try:
                end = start.replace(year=start.year + count)
            except ValueError:  # 29 February
                end = start.replace(year=start.year + count, day=28)
            return date.fromordinal(end.toordinal() - 1).isoformat()
    return ""


def issuer_region(issuer: str, city: str) -> str:
    """ "" for city-wide (and provincial) documents; a district or another city otherwise."""
    if "示范区" in issuer:
        return "示范区"
    match = _OTHER_CITY_RE.match(issuer)
    if city and match and match.group(1) != city and not issuer.startswith(city):
        return match.group(1)
    return ""
