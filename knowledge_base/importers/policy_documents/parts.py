"""Stage 2b, document structure: a document body split into the notice, the text it issues and
its attachments, with the addressee, signatures and attachment listings removed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from knowledge_base.importers.policy_documents.documents import ORG_SUFFIX_RE, RawDocument
from knowledge_base.importers.policy_documents.paragraphs import marker
from knowledge_base.importers.policy_documents.text import CJK, DATE_PATTERN, Line, iso_date

DATE_LINE_RE = re.compile(rf"^[（(]?{DATE_PATTERN}[）)]?$")
TITLE_END_RE = re.compile(
    r"(?:方案|要点|办法|规定|意见|通知|通告|细则|措施|清单|名单|目录|计划|规划|规则|台账|一览表)(?:（试行）)?$"
)
_ATTACHMENT_LIST_RE = re.compile(r"^附\s*件\s*\d*\s*[：:]\s*(?P<rest>.*)$")
_ATTACHMENT_START_RE = re.compile(r"^附\s*件\s*(?P<num>\d*)\s*(?P<rest>.*)$")
_LISTING_ITEM_RE = re.compile(r"^\d{1,2}\s*[.．、：:]")
_ADDRESSEE_HINT_RE = re.compile(r"^各|人民政府|管委会|各有关单位")


@dataclass
class Part:
    """A run of body lines: the notice, the text it issues, or an attachment."""

    label: str  # "" or "附件1"
    title: str  # attachment / embedded text name, "" for the notice
    lines: list[Line] = field(default_factory=list)
    is_notice: bool = False


def _drop_addressee(body: list[Line]) -> list[Line]:
    """Drop the 主送 line(s) ("各县（市、区）人民政府，……：") at the top of the body."""
    if not body or not _ADDRESSEE_HINT_RE.search(body[0].text):
        return body
    for index, line in enumerate(body[:3]):
        if line.text.endswith("："):
            return body[index + 1 :]
    return body


def _strip_signatures(body: list[Line]) -> tuple[list[Line], str]:
    """Remove standalone date lines (and the signing organ just above); return the first date."""
    kept: list[Line] = []
    first_date = ""
    for line in body:
        match = DATE_LINE_RE.match(line.text)
        if match and line.cells is None:
            first_date = first_date or iso_date(match)
            if kept and len(kept[-1].text) <= 30 and ORG_SUFFIX_RE.search(kept[-1].text):
                kept.pop()
            continue
        kept.append(line)
    return kept, first_date


_PLACE_PREFIX_RE = re.compile(rf"^(?:[{CJK}]{{2,3}}省|[{CJK}]{{2,3}}市)")


def _compact(text: str) -> str:
    return re.sub(r"[《》“”\"'（）()\s]", "", text)


def _match_title_run(lines: Sequence[Line], index: int, wanted: str) -> int:
    """Number of lines from `index` (1-3) whose text joins to `wanted`, else 0.

    A leading place name may differ ("安阳市进一步优化……" vs "进一步优化……"); a line
    quoting the name (《……》, as in "现将《……》印发给你们") is a reference, not the title.
    """
    if "《" in lines[index].text:
        return 0
    wanted = _PLACE_PREFIX_RE.sub("", wanted)
    joined = ""
    for count in range(1, 4):
        if index + count > len(lines):
            return 0
        joined += _compact(lines[index + count - 1].text)
        core = _PLACE_PREFIX_RE.sub("", joined)
        if core == wanted:
            return count
        if not wanted.startswith(core):
            return 0
    return 0


def _title_run(lines: Sequence[Line], index: int) -> tuple[str, int]:
    """A title of 1-3 short lines starting at `index` (e.g. an attachment name)."""
    joined = ""
    for count in range(1, 4):
        if index + count > len(lines):
            break
        line = lines[index + count - 1]
        if line.cells is not None or len(line.text) > 60 or re.search("[。；，]", line.text):
            break
        if marker(line.text) is not None and not line.heading:
            break
        joined += line.text
        if TITLE_END_RE.search(joined):
            return joined, count
    return "", 0


def _is_title_heading(line: Line) -> bool:
    """An unnumbered markdown heading that names a text ("……工作要点")."""
    return line.heading and marker(line.text) is None and len(line.text) <= 60 and bool(TITLE_END_RE.search(line.text))


def _skip_listing(lines: Sequence[Line], index: int) -> int:
    """Skip an attachment listing ("附件：1.……  2.……"); return the next index."""
    rest = _ATTACHMENT_LIST_RE.match(lines[index].text)["rest"]  # type: ignore[index]
    expect_name = not rest or rest in ("（略）", "略")
    index += 1
    while index < len(lines):
        text = lines[index].text
        short = len(text) <= 60 and not text.endswith("。") and lines[index].cells is None
        if _ATTACHMENT_LIST_RE.match(text):
            rest = _ATTACHMENT_LIST_RE.match(text)["rest"]  # type: ignore[index]
            expect_name = not rest or rest in ("（略）", "略")
        elif short and (_LISTING_ITEM_RE.match(text) or expect_name):
            expect_name = False
        else:
            break
        index += 1
    return index


def split_parts(document: RawDocument) -> tuple[list[Part], str]:
    """Split a document body into notice / issued text / attachments. Returns (parts, date)."""
    lines, signed = _strip_signatures(_drop_addressee(document.body))
    wanted = _compact(document.short_title) if "印发" in document.title else ""
    parts = [Part(label="", title="", is_notice=True)]
    attachments = 0
    index = 0
    while index < len(lines):
        line = lines[index]
        current = parts[-1]
        if _ATTACHMENT_LIST_RE.match(line.text):
            index = _skip_listing(lines, index)
            continue
        start = _ATTACHMENT_START_RE.match(line.text)
        if start and line.cells is None and (not start["rest"] or TITLE_END_RE.search(start["rest"])):
            attachments = int(start["num"]) if start["num"] else attachments + 1
            label = f"附件{start['num']}" if start["num"] else "附件"
            title, used = (start["rest"], 0) if start["rest"] else _title_run(lines, index + 1)
            parts.append(Part(label=label, title=title))
            index += 1 + used
            continue
        in_notice = current.is_notice and len(parts) == 1
        run = _match_title_run(lines, index, wanted) if wanted and in_notice else 0
        if run:
            parts.append(Part(label="", title=document.short_title))
            index += run
            continue
        if _is_title_heading(line) and (in_notice or current.label.startswith("附件")):
            if in_notice:
                parts.append(Part(label="", title=line.text))
            elif current.lines:
                attachments += 1
                parts.append(Part(label=f"附件{attachments}", title=line.text))
            else:
                current.title = current.title or line.text
            index += 1
            continue
        current.lines.append(line)
        index += 1
    return [part for part in parts if part.lines], signed
