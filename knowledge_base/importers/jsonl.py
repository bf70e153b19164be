"""JSON Lines knowledge: one object per line.

Objects may use KnowledgeEntry's field names (what `hotline kb export` writes, with a nested
`source`), the Chinese column names a spreadsheet would use, or any names mapped with `--map`.
A line that is not a JSON object or cannot become an entry is reported with its line number.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from knowledge_base.importers.records import (
    ImportResult,
    ProgressFn,
    RowError,
    RowProblem,
    entry_from_values,
    map_row,
    resolve_columns,
)

_SOURCE_KEYS = ("title", "doc_number", "issuer", "date", "section")


def _flatten(record: dict[str, Any]) -> dict[str, Any]:
    """A nested `source` object becomes source_title, source_doc_number, …"""
    source = record.get("source")
    if not isinstance(source, dict):
        return record
    flat = {key: value for key, value in record.items() if key != "source"}
    for key in _SOURCE_KEYS:
        if source.get(key) not in (None, ""):
            flat.setdefault(f"source_{key}", source[key])
    return flat


def import_jsonl(
    path: str | Path,
    mapping: Mapping[str, str] | None = None,
    source_name: str | None = None,
    default_kind: str = "imported",
    progress: ProgressFn | None = None,
) -> ImportResult:
    """Entries from a JSONL file; bad lines land in `errors` with their line number."""
    path = Path(path)
    name = source_name or path.name
    result = ImportResult()
    first_line: dict[str, int] = {}
    columns_cache: dict[tuple[str, ...], dict[str, str]] = {}
    with path.open(encoding="utf-8-sig") as lines:
        for number, line in enumerate(lines, start=1):
            if progress is not None:
                progress(1)
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                result.errors.append(RowError(name, number, f"不是合法的JSON：{error.msg}"))
                continue
            if not isinstance(record, dict):
                result.errors.append(RowError(name, number, "不是JSON对象"))
                continue
            record = _flatten(record)
            keys = tuple(sorted(record))
            try:
                if keys not in columns_cache:
                    columns_cache[keys] = resolve_columns(
                        keys, {k: v for k, v in (mapping or {}).items() if k in record}
                    )
                entry = entry_from_values(map_row(record, columns_cache[keys]), name, default_kind)
            except (RowProblem, ValueError) as problem:
                result.errors.append(RowError(name, number, str(problem)))
                continue
            if entry.id in first_line:
                result.errors.append(
                    RowError(name, number, f"与第{first_line[entry.id]}行重复（编号或标题相同：{entry.id}）")
                )
                continue
            first_line[entry.id] = number
            result.entries.append(entry)
    return result


def count_lines(path: str | Path) -> int:
    with Path(path).open("rb") as handle:
        return sum(1 for _ in handle)
