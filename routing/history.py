"""Past work orders (历史工单) for learning: read CSV / XLSX / JSONL, map departments, store.

Imported records are kept in ``<var>/routing/history.jsonl`` (one JSON object a line: id, text,
department, source_label) — work-order text can hold personal data, so it stays out of the repo.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routing.aliases import AliasTable

FORMATS = ("csv", "xlsx", "jsonl")
MAX_TEXT_CHARS = 400


@dataclass(frozen=True)
class HistoryRecord:
    id: str
    text: str
    department: str  # canonical name, or LOCAL_LABEL
    source_label: str = ""


@dataclass
class ImportReport:
    read: int = 0
    imported: int = 0
    duplicates: int = 0
    empty: int = 0
    unmapped: Counter[str] = field(default_factory=Counter)
    by_department: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "empty": self.empty,
            "unmapped": dict(self.unmapped.most_common()),
            "by_department": dict(self.by_department.most_common()),
        }


def detect_format(path: Path, explicit: str | None = None) -> str:
    fmt = (explicit or Path(path).suffix.lstrip(".")).lower()
    fmt = {"json": "jsonl", "ndjson": "jsonl", "xls": "xlsx"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} for {path}; use one of {', '.join(FORMATS)}")
    return fmt


def read_rows(path: Path, fmt: str | None = None) -> Iterator[dict[str, Any]]:
    """Rows of a CSV (UTF-8, with BOM or not), XLSX (first sheet, header row) or JSONL file."""
    path = Path(path)
    fmt = detect_format(path, fmt)
    if fmt == "jsonl":
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)
    elif fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from csv.DictReader(handle)
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        for values in rows:
            yield dict(zip(header, values, strict=False))


def map_records(
    rows: Iterable[dict[str, Any]],
    text_field: str,
    department_field: str,
    aliases: AliasTable,
    source: str,
) -> tuple[list[HistoryRecord], ImportReport]:
    """Records with a text and a department the alias table resolves; the rest counted in the report."""
    report = ImportReport()
    records: list[HistoryRecord] = []
    for number, row in enumerate(rows, start=1):
        report.read += 1
        if text_field not in row or department_field not in row:
            missing = [f for f in (text_field, department_field) if f not in row]
            raise KeyError(f"row {number}: no field {', '.join(missing)} (fields: {', '.join(map(str, row))})")
        text = " ".join(str(row.get(text_field) or "").split())[:MAX_TEXT_CHARS]
        label = str(row.get(department_field) or "").strip()
        if not text or not label:
            report.empty += 1
            continue
        department = aliases.resolve(label)
        if department is None:
            report.unmapped[label] += 1
            continue
        records.append(HistoryRecord(f"history:{source}:{number}", text, department, label))
        report.by_department[department] += 1
    return records, report


def load_history(path: Path) -> list[HistoryRecord]:
    if not Path(path).exists():
        return []
    with Path(path).open(encoding="utf-8") as handle:
        return [HistoryRecord(**json.loads(line)) for line in handle if line.strip()]


def _key(record: HistoryRecord) -> str:
    return hashlib.sha1(f"{record.text}\t{record.department}".encode()).hexdigest()


def append_history(path: Path, records: list[HistoryRecord], report: ImportReport) -> None:
    """Append records not already stored (same text and department)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    seen = {_key(r) for r in load_history(path)}
    with path.open("a", encoding="utf-8") as handle:
        for record in records:
            key = _key(record)
            if key in seen:
                report.duplicates += 1
                continue
            seen.add(key)
            handle.write(json.dumps(record.__dict__, ensure_ascii=False) + "\n")
            report.imported += 1
