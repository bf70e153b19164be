"""Stage 2a, document structure: the documents of a gazette file.

A document starts with a heading ("焦作市人民政府办公室 关于印发……的通知") followed by a 文号 line,
or, in red-header files, with "××文件" + 文号 + the title; numbered compilations have headings
without 文号 ("7. ××关于……的通知（2023年5月23日）"). Text before the first document is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge_base.importers.policy_documents.text import (
    DATE_PATTERN,
    DOC_NUMBER_RE,
    Line,
    iso_date,
    normalize_doc_number,
    normalize_text,
)

DOC_TYPE_END = r"(?:通\s*知|通\s*告|公\s*告|意\s*见|决\s*定|办\s*法|规\s*定|方\s*案|批\s*复|函|令|细\s*则)"
COMPILATION_HEAD_RE = re.compile(r"^\d{1,2}[.．]\s*(?=\S)")
BARE_NUMBER_RE = re.compile(r"^\d{1,2}[.．]?$")
HEADING_DATE_RE = re.compile(rf"[（(]\s*{DATE_PATTERN}\s*[）)]$")
ORG_SUFFIX_RE = re.compile(r"(?:办公室|办公厅|政府|委员会|管委会|局|厅|小组|工委|党委)$")


@dataclass
class RawDocument:
    """One document found in a gazette file, before section parsing."""

    title: str
    doc_number: str
    issuer: str
    date: str
    body: list[Line]

    @property
    def short_title(self) -> str:
        """The name used in entry titles: the 印发 target, or the title from 关于 on."""
        match = re.search(r"关于印发(.+?)的通知$", self.title)
        if match:
            return match.group(1).strip("《》")
        index = self.title.find("关于")
        return self.title[index:] if index > 0 else self.title


def _is_doc_number_line(line: Line) -> bool:
    compact = line.text.replace(" ", "")
    return DOC_NUMBER_RE.fullmatch(compact) is not None and line.cells is None


def _heading_start(lines: Sequence[Line], number_index: int, floor: int) -> int:
    """Index of the first heading line above the 文号 line at `number_index`."""
    for index in range(number_index - 1, max(floor, number_index - 5) - 1, -1):
        text = lines[index].text
        if text.endswith(("。", "；", "：")) or lines[index].cells is not None:
            break
        if "关于" in text or text.endswith("文件"):
            if index - 1 >= floor and BARE_NUMBER_RE.fullmatch(lines[index - 1].text):
                return index - 1
            return index
    return number_index


def _compilation_heading_end(lines: Sequence[Line], index: int) -> int | None:
    """For a numbered compilation heading without 文号 ("7. ××关于……的通知（2023年5月23日）"),
    return the index of its last line; None when `index` does not start one."""
    if not (COMPILATION_HEAD_RE.match(lines[index].text) or BARE_NUMBER_RE.fullmatch(lines[index].text)):
        return None
    joined = ""
    for end in range(index, min(index + 4, len(lines))):
        joined += lines[end].text
        if "。" in joined:
            return None
        if "关于" in joined and HEADING_DATE_RE.search(joined):
            return end
    return None


def find_document_starts(lines: Sequence[Line]) -> list[tuple[int, int | None]]:
    """(first heading line, 文号 line or None) for every document in `lines`."""
    starts: list[tuple[int, int | None]] = []
    floor = 0
    for index, line in enumerate(lines):
        if _is_doc_number_line(line):
            starts.append((_heading_start(lines, index, floor), index))
            floor = index + 1
    covered = [(start, number) for start, number in starts if number is not None]
    for index in range(len(lines)):
        end = _compilation_heading_end(lines, index)
        if end is None:
            continue
        if any(start <= index <= number + 1 for start, number in covered):
            continue
        if any(_is_doc_number_line(lines[k]) for k in range(end + 1, min(end + 4, len(lines)))):
            continue
        starts.append((index, None))
    return sorted(starts)


def _title_after_number(body: list[Line]) -> tuple[str, str, int]:
    """Red-header documents: the title follows the 文号. Returns (title, raw title, lines used)."""
    texts: list[str] = []
    raws: list[str] = []
    for line in body[:3]:
        if line.text.endswith(("。", "：")) or not (line.heading or "关于" in line.text or texts):
            break
        texts.append(line.text)
        raws.append(line.raw)
        if re.search(DOC_TYPE_END + r"$", line.text):
            break
    return "".join(texts), " ".join(raws), len(texts)


def _issuer_from_heading(raw_heading: str) -> str:
    """Issuer(s) before 关于; joint issuers separated by spaces become "甲、乙"."""
    head = raw_heading.split("关于", 1)[0].strip() if "关于" in raw_heading else ""
    parts = [normalize_text(part) for part in head.split() if part]
    if len(parts) > 1 and all(ORG_SUFFIX_RE.search(part) for part in parts):
        return "、".join(parts)
    return "".join(parts)


def _strip_compilation_heading(text: str) -> tuple[str, str]:
    """Drop "1. " numbering and a trailing "（2023年5月16日）"; return (text, iso date)."""
    text = COMPILATION_HEAD_RE.sub("", text)
    text = re.sub(r"^\d{1,2}[.．]?(?=[^\d])", "", text)
    found = ""
    match = HEADING_DATE_RE.search(text)
    if match:
        found = iso_date(match)
        text = text[: match.start()]
    return text, found


def _make_document(lines: Sequence[Line], start: int, number_index: int | None, end: int) -> RawDocument:
    if number_index is not None:
        head = list(lines[start:number_index])
        body = list(lines[number_index + 1 : end])
        doc_number = normalize_doc_number(lines[number_index].text) or ""
    else:
        stop = _compilation_heading_end(lines, start) or start
        head = list(lines[start : stop + 1])
        body = list(lines[stop + 1 : end])
        doc_number = ""
    heading_text = "".join(line.text for line in head)
    heading_raw = " ".join(line.raw for line in head)
    issuer_hint = ""
    if heading_text.endswith("文件"):
        issuer_hint = heading_text[: -len("文件")]
        heading_text, heading_raw, used = _title_after_number(body)
        body = body[used:]
    title, heading_date = _strip_compilation_heading(heading_text)
    issuer = _issuer_from_heading(COMPILATION_HEAD_RE.sub("", heading_raw)) or issuer_hint
    if title.startswith("关于") and issuer_hint:
        title = issuer_hint + title
    return RawDocument(title=title, doc_number=doc_number, issuer=issuer, date=heading_date, body=body)


def single_document(lines: Sequence[Line], fallback_title: str) -> RawDocument:
    """The whole text as one document, for files without a gazette heading + 文号 (e.g. a Word file
    holding one policy): a short first line is the title, a 文号 within the next lines is kept."""
    body = list(lines)
    title = fallback_title
    if body and len(body[0].text) <= 60 and body[0].cells is None and not body[0].text.endswith(("。", "；", "：")):
        title = body.pop(0).text
    doc_number = ""
    for index, line in enumerate(body[:3]):
        if _is_doc_number_line(line):
            doc_number = normalize_doc_number(line.text) or ""
            del body[index]
            break
    issuer = _issuer_from_heading(title) if "关于" in title else ""
    return RawDocument(title=title, doc_number=doc_number, issuer=issuer, date="", body=body)


def split_documents(lines: Sequence[Line]) -> list[RawDocument]:
    """Split cleaned lines into documents; text before the first one (cover, TOC) is dropped."""
    starts = find_document_starts(lines)
    documents: list[RawDocument] = []
    for position, (start, number_index) in enumerate(starts):
        end = starts[position + 1][0] if position + 1 < len(starts) else len(lines)
        documents.append(_make_document(lines, start, number_index, end))
    return documents
