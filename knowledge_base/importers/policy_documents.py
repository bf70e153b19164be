"""Import plain-text government gazettes (.txt / markdown-ish .md) as knowledge entries.

A gazette file holds one or more documents. Each document starts with a heading
("焦作市人民政府办公室 关于印发……的通知") followed by a 文号 line ("焦政办〔2024〕22号"),
or, in red-header files, with "××文件" + 文号 + the title. Everything before the
first document (cover, 目录) is dropped, as are page markers and lone page numbers.

Each document is split by its numbering (一、 （一） 1. （1） 第X章 第X条), attachments
("附件1") and tables, and one entry is emitted per smallest section of reasonable size:
tiny sections are merged into their parent, long ones are split at paragraph or sentence
boundaries. Ids hash the 文号 (or the title when there is none) plus the section path, so a
re-import yields the same ids.

Run as a module to write a JSONL file:
    python -m knowledge_base.importers.policy_documents OUT.jsonl FILE... [--city 焦作市]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from knowledge_base.entry import KnowledgeEntry, Source

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".md")
MAX_CHARS = 600  # longest answer we emit before splitting
MIN_CHARS = 80  # sections shorter than this are merged into their parent
MIN_BUCKET_CHARS = 30  # parent text shorter than this (e.g. a bare heading) is not emitted

CJK = "\u3400-\u9fff"
CN_DIGITS = "一二三四五六七八九十百零〇"
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
DATE_PATTERN = r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
DATE_LINE_RE = re.compile(rf"^[（(]?{DATE_PATTERN}[）)]?$")
DOC_NUMBER_RE = re.compile(
    rf"(?P<prefix>[{CJK}]{{1,12}})\s*[〔\[［【(（]\s*(?P<year>(?:19|20)\d{{2}})\s*"
    r"[〕\]］】)）]\s*(?P<num>\d{1,4})\s*号"
)
DOC_TYPE_END = r"(?:通\s*知|通\s*告|公\s*告|意\s*见|决\s*定|办\s*法|规\s*定|方\s*案|批\s*复|函|令|细\s*则)"
TITLE_END_RE = re.compile(
    r"(?:方案|要点|办法|规定|意见|通知|通告|细则|措施|清单|名单|目录|计划|规划|规则|台账|一览表)(?:（试行）)?$"
)
COMPILATION_HEAD_RE = re.compile(r"^\d{1,2}[.．]\s*(?=\S)")
BARE_NUMBER_RE = re.compile(r"^\d{1,2}[.．]?$")
HEADING_DATE_RE = re.compile(rf"[（(]\s*{DATE_PATTERN}\s*[）)]$")

_JUNK_RES = (
    re.compile(r"^#*\s*page\s*\d+\s*[:：]?$", re.IGNORECASE),  # "# Page 1102:"
    re.compile(r"^[—\-－–\s]*\d{1,4}[—\-－–\s]*$"),  # lone page numbers, "— 3 —"
    re.compile(r"(?:…{2,}|\.{4,}|·{4,}).*[（(]?\d+[）)]?$"),  # TOC dot leaders
    re.compile(r"^目\s*录$"),
    re.compile(r"^【[^】]{2,15}】$"),  # TOC category lines "【市政府文件】"
    re.compile(r"^.{2,20}公报$"),  # gazette cover
    re.compile(r"^\d{4}年第\d+号.*$"),  # "2024年第5号（总第137号）"
    re.compile(r"^[（(]此件.{0,10}[）)]$"),  # "（此件公开发布）"
    re.compile(r"^[（(](?:由于)?篇幅.*[）)]$"),  # "（由于篇幅太长，省略部分内容……）"
)

_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chap", re.compile(rf"^第([{CN_DIGITS}\d]+)章\s*")),
    ("sect", re.compile(rf"^第([{CN_DIGITS}\d]+)节\s*")),
    ("art", re.compile(rf"^第([{CN_DIGITS}\d]+)条\s*")),
    ("cn", re.compile(rf"^([{CN_DIGITS}]{{1,3}})\s*[、．]\s*")),
    ("pcn", re.compile(rf"^[（(]\s*([{CN_DIGITS}]{{1,3}})\s*[）)]\s*")),
    ("num", re.compile(r"^(\d{1,2})\s*(?:[.．](?!\d)|、)\s*")),
    ("pnum", re.compile(r"^[（(]\s*(\d{1,2})\s*[）)]\s*")),
    ("circ", re.compile(r"^([①-⑳])\s*")),
)
_LABEL_FORMATS = {
    "chap": "第{}章",
    "sect": "第{}节",
    "art": "第{}条",
    "cn": "{}、",
    "pcn": "（{}）",
    "num": "{}.",
    "pnum": "（{}）",
    "circ": "{}",
}
_CONTINUATION_STARTS = tuple("的和及与或并等、，。；：）”")
_FIELD_LABEL_RE = re.compile(rf"^[{CJK}]{{2,8}}：")
_TERMINAL = "。！？；："
_RESPONSIBILITY_RE = re.compile(r"牵头|负责|责任单位|责任部门|完成时限")
_ATTACHMENT_LIST_RE = re.compile(r"^附\s*件\s*\d*\s*[：:]\s*(?P<rest>.*)$")
_ATTACHMENT_START_RE = re.compile(r"^附\s*件\s*(?P<num>\d*)\s*(?P<rest>.*)$")
_LISTING_ITEM_RE = re.compile(r"^\d{1,2}\s*[.．、：:]")
_ADDRESSEE_HINT_RE = re.compile(r"^各|人民政府|管委会|各有关单位")
_ORG_SUFFIX_RE = re.compile(r"(?:办公室|办公厅|政府|委员会|管委会|局|厅|小组|工委|党委)$")
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


# --------------------------------------------------------------------------- text


def normalize_doc_number(text: str) -> str | None:
    """Return the first 文号 in `text` in canonical form (焦政办〔2024〕22号), or None."""
    match = DOC_NUMBER_RE.search(text)
    if match is None:
        return None
    return f"{match['prefix']}〔{match['year']}〕{int(match['num'])}号"


def _is_ascii_word(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _fix_quotes(text: str) -> str:
    """Turn ASCII double quotes into alternating Chinese quotes within one line."""
    out: list[str] = []
    opening = True
    for char in text:
        if char == '"':
            out.append("“" if opening else "”")
            opening = not opening
        else:
            out.append(char)
    return "".join(out)


def normalize_text(text: str) -> str:
    """Clean one line of Chinese text.

    Drops whitespace except between two ASCII words (extraction inserts spaces between
    Chinese characters and around numbers), and turns ASCII punctuation used in Chinese
    text into its full-width form so that markers and labels match uniformly.
    """
    text = text.replace("\u3000", " ").translate(_FULLWIDTH_DIGITS)
    text = re.sub(r"</?[a-zA-Z]+>", "", text)
    text = re.sub(rf"(?<=[{CJK}])\s+and\s+(?=[{CJK}])", "和", text)  # extraction artefact
    text = _fix_quotes(text).replace("(", "（").replace(")", "）")
    text = re.sub(rf"(?<=[{CJK}）”])\s*,\s*|\s*,\s*(?=[{CJK}“（])", "，", text)
    text = re.sub(rf"(?<=[{CJK}）”])\s*:\s*|\s*:\s*(?=[{CJK}“（])", "：", text)
    text = re.sub(rf"(?<=[{CJK}）”])\s*;\s*|\s*;\s*(?=[{CJK}“（])", "；", text)
    pieces = re.split(r"(\s+)", text.strip())
    out: list[str] = []
    for index, piece in enumerate(pieces):
        if not piece.isspace():
            out.append(piece)
            continue
        before = pieces[index - 1][-1:] if index else ""
        after = pieces[index + 1][:1] if index + 1 < len(pieces) else ""
        if before and after and _is_ascii_word(before) and _is_ascii_word(after):
            out.append(" ")
    return "".join(out)


def _iso_date(match: re.Match[str]) -> str:
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
    except ValueError:
        return ""


# --------------------------------------------------------------------------- lines


@dataclass(frozen=True)
class Line:
    """One cleaned source line. `raw` keeps single spaces (joint issuers are space-separated)."""

    text: str
    raw: str
    heading: bool = False  # a markdown heading line
    hard_break: bool = False  # markdown line ending with two spaces
    cells: tuple[str, ...] | None = None  # table row (tab-separated source line)


def is_junk_line(text: str) -> bool:
    """Page markers, lone page numbers, TOC lines and gazette-cover lines."""
    stripped = text.strip()
    return any(pattern.search(stripped) for pattern in _JUNK_RES)


def clean_line(raw_line: str) -> Line | None:
    """Turn a source line into a `Line`, or None when it is empty or junk."""
    if not raw_line.strip() or is_junk_line(raw_line):
        return None
    hard_break = raw_line.endswith("  ")
    if "\t" in raw_line:
        cells = tuple(normalize_text(cell.replace("*", "")) for cell in raw_line.split("\t"))
        while cells and not cells[-1]:
            cells = cells[:-1]
        if not any(cells):
            return None
        text = " ".join(cell for cell in cells if cell)
        return Line(text=text, raw=text, cells=cells)
    stripped = raw_line.strip()
    heading = False
    match = re.match(r"^(#{1,6})\s*(.*)$", stripped)
    if match:
        heading, stripped = True, match.group(2)
    stripped = re.sub(r"^(?:[-*+]\s+)+", "", stripped).replace("**", "").replace("__", "")
    raw = re.sub(r"\s+", " ", stripped).strip()
    text = normalize_text(raw)
    if not text or is_junk_line(text):
        return None
    return Line(text=text, raw=raw, heading=heading, hard_break=hard_break)


def clean_lines(text: str) -> list[Line]:
    lines = (clean_line(raw) for raw in text.splitlines())
    return [line for line in lines if line is not None]


# --------------------------------------------------------------------------- documents


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
    if len(parts) > 1 and all(_ORG_SUFFIX_RE.search(part) for part in parts):
        return "、".join(parts)
    return "".join(parts)


def _strip_compilation_heading(text: str) -> tuple[str, str]:
    """Drop "1. " numbering and a trailing "（2023年5月16日）"; return (text, iso date)."""
    text = COMPILATION_HEAD_RE.sub("", text)
    text = re.sub(r"^\d{1,2}[.．]?(?=[^\d])", "", text)
    found = ""
    match = HEADING_DATE_RE.search(text)
    if match:
        found = _iso_date(match)
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


# --------------------------------------------------------------------------- body parts


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
            first_date = first_date or _iso_date(match)
            if kept and len(kept[-1].text) <= 30 and _ORG_SUFFIX_RE.search(kept[-1].text):
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
        if _marker(line.text) is not None and not line.heading:
            break
        joined += line.text
        if TITLE_END_RE.search(joined):
            return joined, count
    return "", 0


def _is_title_heading(line: Line) -> bool:
    """An unnumbered markdown heading that names a text ("……工作要点")."""
    return line.heading and _marker(line.text) is None and len(line.text) <= 60 and bool(TITLE_END_RE.search(line.text))


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


# --------------------------------------------------------------------------- paragraphs


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]


Paragraph = str | Table


def _marker(text: str) -> tuple[str, str, str] | None:
    """(kind, label, rest) when `text` starts with a section number, else None."""
    for kind, pattern in _MARKERS:
        match = pattern.match(text)
        if match:
            return kind, _LABEL_FORMATS[kind].format(match.group(1)), text[match.end() :]
    return None


def _is_heading_only(text: str) -> bool:
    """A numbered line that is just a heading ("一、组建专班"), so the next line starts anew."""
    found = _marker(text)
    if found is None:
        return False
    kind, _, rest = found
    return kind != "art" and 0 < len(rest) <= 25 and not re.search("[，。；：]", rest)


def _ends_paragraph(text: str) -> bool:
    if text.endswith(tuple(_TERMINAL)) or text.endswith(("。”", "。）")):
        return True
    if text.endswith("）"):
        opening = text.rfind("（")
        return opening >= 0 and bool(_RESPONSIBILITY_RE.search(text[opening:]))
    return False


def _continues(previous: Line, current_text: str, line: Line) -> bool:
    """True when `line` is a hard-wrapped continuation of the paragraph so far."""
    if previous.heading or previous.hard_break or line.heading:
        return False
    if _marker(line.text) is not None or _FIELD_LABEL_RE.match(line.text):
        return False
    if _ends_paragraph(current_text) or _is_list_line(previous):
        return False
    if _is_heading_only(current_text):
        return line.text.startswith(_CONTINUATION_STARTS)
    return True


def _is_list_line(line: Line) -> bool:
    """A short line with space-separated columns ("靳 莲 市统计局局长") from a name list."""
    return (
        len(line.text) <= 30
        and re.search(rf"[{CJK}]\s[{CJK}]{{2,}}", line.raw) is not None
        and not (_marker(line.text))
    )


def build_paragraphs(lines: Sequence[Line]) -> list[Paragraph]:
    """Join hard-wrapped lines into paragraphs; consecutive table rows become one `Table`."""
    paragraphs: list[Paragraph] = []
    text = ""
    previous: Line | None = None
    rows: list[tuple[str, ...]] = []
    for line in lines:
        if line.cells is not None:
            if text:
                paragraphs.append(text)
                text = ""
            rows.append(line.cells)
            previous = None
            continue
        if rows:
            paragraphs.append(Table(tuple(rows)))
            rows = []
        if text and previous is not None and _continues(previous, text, line):
            text += line.text
        else:
            if text:
                paragraphs.append(text)
            text = line.text
        previous = line
    if text:
        paragraphs.append(text)
    if rows:
        paragraphs.append(Table(tuple(rows)))
    return paragraphs


# --------------------------------------------------------------------------- section tree


@dataclass
class Node:
    label: str
    kind: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)


def _heading_of(rest: str) -> str:
    """A short heading for a numbered paragraph: its first phrase, or a truncated start."""
    rest = rest.strip()
    match = re.match(r"^(.{1,30}?)[。；：]", rest)
    if match:
        return match.group(1)
    if len(rest) <= 30 and not re.search("[，。]", rest):
        return rest
    match = re.match(r"^(.{2,20}?)[，]", rest)
    if match:
        return match.group(1)
    return rest[:24] + "…"


def _is_table_header(row: Sequence[str]) -> bool:
    return len(row) >= 2 and all(cell and len(cell) <= 10 and not cell.isdigit() for cell in row)


def table_nodes(table: Table) -> list[Node]:
    """One node per table record, rendered as "列名：值；…".

    Tables whose first row is not a header (e.g. garbled OCR of rotated tables) are
    dropped: their cells cannot be attributed to columns reliably.
    """
    header = table.rows[0]
    if not _is_table_header(header):
        return []
    keyed = header[0] in ("序号", "编号")
    records: list[tuple[str, dict[int, list[str]]]] = []
    for row in table.rows[1:]:
        if tuple(row) == tuple(header):
            continue
        first = row[0] if row else ""
        same_record = keyed and records and first == records[-1][0]  # row repeated after a page break
        starts_record = not same_record and (not keyed or first.isdigit() or not records)
        if starts_record:
            records.append((first if keyed else str(len(records) + 1), {}))
        values = records[-1][1]
        misaligned = keyed and first and not first.isdigit()
        for column, cell in enumerate(row):
            if not cell or (keyed and column == 0 and not misaligned):
                continue
            key = len(header) if misaligned or column >= len(header) else column
            cell = cell.rstrip("。；")
            if cell and cell not in values.setdefault(key, []):
                values[key].append(cell)
    return [_record_node(header, number, values) for number, values in records if values]


def _record_node(header: Sequence[str], number: str, values: dict[int, list[str]]) -> Node:
    parts = []
    for column in sorted(values):
        name = header[column] if column < len(header) else "其他"
        parts.append(f"{name}：{'、'.join(values[column])}")
    name_column = next((k for k, title in enumerate(header) if "名称" in title or title == "事项"), None)
    if name_column is None:
        name_column = 1 if header[0] in ("序号", "编号") else 0
    heading = "、".join(values.get(name_column, []))[:40]
    label = f"第{number}项"
    return Node(label=label, kind="row", heading=heading, paragraphs=[f"{label} " + "；".join(parts) + "。"])


def build_tree(paragraphs: Sequence[Paragraph]) -> Node:
    """Nest numbered paragraphs by the order their numbering styles first appear."""
    root = Node(label="", kind="root", heading="")
    stack: list[Node] = [root]
    for paragraph in paragraphs:
        if isinstance(paragraph, Table):
            stack[-1].children.extend(table_nodes(paragraph))
            continue
        found = _marker(paragraph)
        if found is None:
            stack[-1].paragraphs.append(paragraph)
            continue
        kind, label, rest = found
        same = next((k for k in range(len(stack) - 1, 0, -1) if stack[k].kind == kind), None)
        if same is not None:
            del stack[same:]
        heading = _heading_of(rest) if rest else ""
        if kind in ("chap", "sect", "art"):
            paragraph = f"{label} {rest}"  # "第三条 ……" reads better than "第三条……"
        node = Node(label=label, kind=kind, heading=heading, paragraphs=[paragraph])
        stack[-1].children.append(node)
        stack.append(node)
    return root


# --------------------------------------------------------------------------- emission


@dataclass(frozen=True)
class Section:
    """A chunk of text ready to become one entry."""

    path: str
    label: str  # the section's own number, e.g. "5." or "第十四条—第十六条"
    heading: str
    text: str
    keywords: tuple[str, ...]
    department: str = ""  # from the whole section, so every chunk of it carries it
    part: int = 1
    parts: int = 1


def _all_paragraphs(node: Node) -> list[str]:
    out = list(node.paragraphs)
    for child in node.children:
        out.extend(_all_paragraphs(child))
    return out


def _length(paragraphs: Sequence[str]) -> int:
    return sum(len(paragraph) for paragraph in paragraphs)


def _split_long(paragraph: str, limit: int) -> list[str]:
    """Split one over-long paragraph at sentence ends."""
    sentences = re.findall(r"[^。；！？]*[。；！？]+”?|[^。；！？]+$", paragraph)
    pieces: list[str] = []
    current = ""
    for sentence in sentences:
        if current and len(current) + len(sentence) > limit:
            pieces.append(current)
            current = ""
        current += sentence
    if current:
        pieces.append(current)
    return pieces


def chunk_paragraphs(paragraphs: Sequence[str], limit: int = MAX_CHARS) -> list[str]:
    """Group paragraphs into texts of at most ~`limit` characters; a tiny tail joins the last chunk."""
    pieces: list[str] = []
    for paragraph in paragraphs:
        pieces.extend(_split_long(paragraph, limit) if len(paragraph) > limit else [paragraph])
    chunks: list[list[str]] = []
    for piece in pieces:
        if chunks and _length(chunks[-1]) + len(piece) <= limit:
            chunks[-1].append(piece)
        else:
            chunks.append([piece])
    if len(chunks) > 1 and _length(chunks[-1]) < MIN_CHARS:
        tail = chunks.pop()
        chunks[-1].extend(tail)
    return ["\n".join(chunk) for chunk in chunks]


def _sections_for(
    path: str, label: str, heading: str, keywords: tuple[str, ...], paragraphs: Sequence[str]
) -> Iterator[Section]:
    chunks = chunk_paragraphs(paragraphs)
    department = _department("\n".join(paragraphs))
    for number, text in enumerate(chunks, start=1):
        yield Section(
            path=path,
            label=label,
            heading=heading,
            text=text,
            keywords=keywords,
            department=department,
            part=number,
            parts=len(chunks),
        )


def iter_sections(node: Node, path: str = "", keywords: tuple[str, ...] = ()) -> Iterator[Section]:
    """Smallest meaningful sections: every numbered section that is not tiny gets its own
    entry; tiny subsections are merged into their parent's entry."""
    own_keywords = keywords + ((node.heading,) if node.heading else ())
    if node.kind == "root":
        yield from _root_sections(node, path, own_keywords)
        return
    if not node.children:
        if not (len(node.paragraphs) == 1 and _is_heading_only(node.paragraphs[0])):
            yield from _sections_for(path, node.label, node.heading, own_keywords, node.paragraphs)
        return
    bucket = list(node.paragraphs)
    large: list[Node] = []
    for child in node.children:
        child_paragraphs = _all_paragraphs(child)
        if _length(child_paragraphs) < MIN_CHARS:
            bucket.extend(child_paragraphs)
        else:
            large.append(child)
    bare_heading = len(bucket) == len(node.paragraphs) <= 1
    if _length(bucket) >= MIN_BUCKET_CHARS and not (bare_heading and _length(bucket) < MIN_CHARS):
        yield from _sections_for(path, node.label, node.heading, own_keywords, bucket)
    for child in large:
        yield from iter_sections(child, path + child.label, own_keywords)


def _root_sections(root: Node, path: str, keywords: tuple[str, ...]) -> Iterator[Section]:
    """A text's top level: its preamble, then its sections.

    Runs of tiny top-level articles (or table records) are merged with each other rather than into the
    preamble, under a ranged path such as "第十四条—第十六条".
    """
    if _length(root.paragraphs) >= MIN_BUCKET_CHARS:
        yield from _sections_for(path, "", "", keywords, root.paragraphs)
    run: list[Node] = []
    for child in [*root.children, None]:
        if child is not None and child.kind in ("art", "row") and _length(_all_paragraphs(child)) < MIN_CHARS:
            run.append(child)
            continue
        if run:
            paragraphs = [p for node in run for p in _all_paragraphs(node)]
            label = run[0].label if len(run) == 1 else f"{run[0].label}—{run[-1].label}"
            heading = run[0].heading if len(run) == 1 else ""
            if _length(paragraphs) >= MIN_BUCKET_CHARS:
                yield from _sections_for(path + label, label, heading, keywords, paragraphs)
            run = []
        if child is not None:
            yield from iter_sections(child, path + child.label, keywords)


# --------------------------------------------------------------------------- entries


def _department(text: str) -> str:
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


def _latest_valid_to(text: str) -> str:
    """The latest end date stated in `text` ("执行期限至……", "有效期为……至……", "执行至……")."""
    dates = [_iso_date(match) for match in _VALID_TO_RE.finditer(text)]
    dates += [_iso_date(match) for match in _VALID_RANGE_RE.finditer(text)]
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


def _document_valid_to(paragraphs: Iterable[str], valid_from: str) -> str:
    """A document-level 执行期限/有效期 ("本方案有效期至……" / "自2024年1月1日起施行，有效期5年").

    A term in years counts from the stated start date ("自……起施行") or else from the issue date,
    and ends the day before the anniversary.
    """
    for paragraph in paragraphs:
        if not _DOC_VALIDITY_RE.search(paragraph):
            continue
        found = _latest_valid_to(paragraph)
        if found:
            return found
        years = _VALID_YEARS_RE.search(paragraph)
        start_match = _EFFECTIVE_FROM_RE.search(paragraph)
        start_iso = (_iso_date(start_match) if start_match else "") or valid_from
        if years and start_iso:
            start = date.fromisoformat(start_iso)
            count = _cn_number(years.group(1))
            try:
                end = start.replace(year=start.year + count)
            except ValueError:  # 29 February
                end = start.replace(year=start.year + count, day=28)
            return date.fromordinal(end.toordinal() - 1).isoformat()
    return ""


def _region(issuer: str, city: str) -> str:
    """ "" for city-wide (and provincial) documents; a district or another city otherwise."""
    if "示范区" in issuer:
        return "示范区"
    match = _OTHER_CITY_RE.match(issuer)
    if city and match and match.group(1) != city and not issuer.startswith(city):
        return match.group(1)
    return ""


def _stable_id(document_key: str, path: str, occurrence: int, part: int) -> str:
    digest_doc = hashlib.sha1(document_key.encode("utf-8")).hexdigest()[:8]
    digest_section = hashlib.sha1(f"{path}#{occurrence}#{part}".encode()).hexdigest()[:8]
    return f"policy-{digest_doc}-{digest_section}"


def _entry_title(name: str, section: Section) -> str:
    label = section.label
    separator = " " if label.endswith(("章", "节", "条", "项")) and section.heading else ""
    suffix = f"{label}{separator}{section.heading}"
    title = f"{name}：{suffix}" if suffix else name
    if section.parts > 1:
        title += f"（{section.part}/{section.parts}）"
    return title


def document_entries(document: RawDocument, city: str = "") -> Iterator[KnowledgeEntry]:
    """All entries of one document, in reading order."""
    parts, signed = split_parts(document)
    issued = document.date or signed
    trees = [(part, build_tree(build_paragraphs(part.lines))) for part in parts]
    doc_valid_to = _document_valid_to((p for _, tree in trees for p in _all_paragraphs(tree)), issued)
    has_issued_text = any(not part.is_notice and not part.label for part in parts)
    document_key = document.doc_number or document.title
    seen: dict[tuple[str, int], int] = {}
    source_base = Source(title=document.title, doc_number=document.doc_number, issuer=document.issuer, date=issued)
    for part, tree in trees:
        if part.is_notice and has_issued_text and _length(_all_paragraphs(tree)) < 120:
            continue  # "现将《……》印发给你们" boilerplate
        prefix = f"{part.label} " if part.label else ""
        name = part.title if part.label and part.title else document.short_title
        for section in iter_sections(tree, path=prefix):
            path = section.path.strip()
            occurrence = seen.get((path, section.part), 0)
            seen[(path, section.part)] = occurrence + 1
            yield KnowledgeEntry(
                id=_stable_id(document_key, path, occurrence, section.part),
                title=_entry_title(name, section),
                answer=section.text,
                source=replace(source_base, section=path),
                department=section.department,
                region=_region(document.issuer, city),
                valid_from=issued,
                valid_to=_latest_valid_to(section.text) or doc_valid_to,
                kind="policy",
                keywords=tuple(dict.fromkeys(k for k in section.keywords if k)),
            )


# --------------------------------------------------------------------------- public API


def read_documents(path: Path) -> list[RawDocument]:
    """The documents of one gazette file."""
    return split_documents(clean_lines(path.read_text(encoding="utf-8")))


def iter_text_entries(text: str, fallback_title: str = "", city: str = "") -> Iterator[KnowledgeEntry]:
    """Entries of a document's text, whatever file it came from.

    Gazette-style text is split into its documents; text without any document heading becomes
    one document titled by its first line (or `fallback_title`, e.g. the file name).
    """
    lines = clean_lines(text)
    documents = split_documents(lines)
    if not documents and lines and fallback_title:
        documents = [single_document(lines, fallback_title)]
    for document in documents:
        yield from document_entries(document, city)


def iter_policy_entries(path: Path, city: str = "") -> Iterator[KnowledgeEntry]:
    """Entries of one .txt/.md gazette file, yielded as they are produced.

    `city` (e.g. "焦作市") marks documents issued by another city's government with that
    city as `region`, so they are not served as local policy.
    """
    path = Path(path)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise ValueError(
            f"unsupported policy document type {path.suffix or '(none)'!r} for {path}; "
            f"supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    yield from iter_text_entries(path.read_text(encoding="utf-8"), fallback_title=path.stem, city=city)


def import_policy_document(path: Path, city: str = "") -> list[KnowledgeEntry]:
    """All entries of one gazette file."""
    return list(iter_policy_entries(path, city))


ProgressCallback = Callable[[Path, int], None]


def import_paths(
    paths: Iterable[Path], city: str = "", on_file_done: ProgressCallback | None = None
) -> list[KnowledgeEntry]:
    """Import several files (dispatching by extension); `on_file_done(path, n_entries)` reports progress.

    Raises ValueError for unsupported file types before anything is imported.
    """
    path_list = [Path(path) for path in paths]
    for path in path_list:
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise ValueError(
                f"unsupported policy document type {path.suffix or '(none)'!r} for {path}; "
                f"supported: {', '.join(SUPPORTED_SUFFIXES)}"
            )
    entries: list[KnowledgeEntry] = []
    for path in path_list:
        imported = import_policy_document(path, city)
        entries.extend(imported)
        if on_file_done is not None:
            on_file_done(path, len(imported))
    return entries


def write_jsonl(entries: Iterable[KnowledgeEntry], out: Path) -> int:
    """Write entries as JSON lines; returns the number written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with out.open("w", encoding="utf-8") as handle:
        for entry in entries:
            handle.write(json.dumps(entry.to_dict(), ensure_ascii=False) + "\n")
            count += 1
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Import gazette text files into a JSONL knowledge file.")
    parser.add_argument("out", type=Path, help="output .jsonl file")
    parser.add_argument("files", type=Path, nargs="+", help="input .txt/.md gazette files")
    parser.add_argument("--city", default="", help="home city, e.g. 焦作市 (other cities' documents get a region)")
    args = parser.parse_args(argv)
    try:
        entries = import_paths(sorted(args.files), city=args.city)
    except (ValueError, OSError) as error:
        parser.error(str(error))
    write_jsonl(entries, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
