"""Stage 1, text: raw lines cleaned and normalised.

Extraction leaves spaces between Chinese characters, ASCII punctuation, markdown markup, page
markers and table-of-contents lines; what comes out is a list of `Line`s the later stages can match
uniformly. The 文号 and date patterns live here because every later stage reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

CJK = "\u3400-\u9fff"
CN_DIGITS = "一二三四五六七八九十百零〇"
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
DATE_PATTERN = r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
DOC_NUMBER_RE = re.compile(
    rf"(?P<prefix>[{CJK}]{{1,12}})\s*[〔\[［【(（]\s*(?P<year>(?:19|20)\d{{2}})\s*"
    r"[〕\]］】)）]\s*(?P<num>\d{1,4})\s*号"
)

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


def iso_date(match: re.Match[str]) -> str:
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
    except ValueError:
        return ""


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
