"""Stage 2d, document structure: paragraphs nested into a section tree by their numbering;
table records become nodes of their own."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from knowledge_base.importers.policy_documents.paragraphs import Paragraph, Table, marker


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
        found = marker(paragraph)
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
