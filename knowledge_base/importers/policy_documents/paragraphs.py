"""Stage 2c, document structure: hard-wrapped lines joined into paragraphs, table rows into
tables, and the section numbers (一、 （一） 1. （1） 第X章 第X条 ①) that start a paragraph."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge_base.importers.policy_documents.text import CJK, CN_DIGITS, Line

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


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]


Paragraph = str | Table


def marker(text: str) -> tuple[str, str, str] | None:
    """(kind, label, rest) when `text` starts with a section number, else None."""
    for kind, pattern in _MARKERS:
        match = pattern.match(text)
        if match:
            return kind, _LABEL_FORMATS[kind].format(match.group(1)), text[match.end() :]
    return None


def is_heading_only(text: str) -> bool:
    """A numbered line that is just a heading ("一、组建专班"), so the next line starts anew."""
    found = marker(text)
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
    if marker(line.text) is not None or _FIELD_LABEL_RE.match(line.text):
        return False
    if _ends_paragraph(current_text) or _is_list_line(previous):
        return False
    if is_heading_only(current_text):
        return line.text.startswith(_CONTINUATION_STARTS)
    return True


def _is_list_line(line: Line) -> bool:
    """A short line with space-separated columns ("靳 莲 市统计局局长") from a name list."""
    return (
        len(line.text) <= 30 and re.search(rf"[{CJK}]\s[{CJK}]{{2,}}", line.raw) is not None and not (marker(line.text))
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
