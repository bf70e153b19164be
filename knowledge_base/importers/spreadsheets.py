"""Spreadsheet exports (CSV, XLSX) of a centre's knowledge: one row per entry.

The first non-empty row is the header. Row numbers in errors are the numbers a user sees in
Excel (header = row 1). CSV files may be UTF-8 (with or without BOM) or GB18030 (what Chinese
Excel writes by default); the delimiter (comma, semicolon, tab) is detected.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from knowledge_base.importers.records import ImportResult, ProgressFn, RowCollector, clean_cell, resolve_columns

_ENCODINGS = ("utf-8-sig", "gb18030")


def read_csv_text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(f"{path}: not UTF-8 or GB18030 text")


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _numbered_rows(rows: Iterator[list[Any]]) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells), numbering from 1 like a spreadsheet."""
    for number, cells in enumerate(rows, start=1):
        yield number, list(cells)


def _import_rows(
    rows: Iterator[tuple[int, list[Any]]],
    source_name: str,
    mapping: Mapping[str, str] | None,
    default_kind: str,
    progress: ProgressFn | None,
) -> ImportResult:
    header: list[str] | None = None
    collector: RowCollector | None = None
    for number, cells in rows:
        if progress is not None:
            progress(1)
        if header is None:
            if not any(clean_cell(cell) for cell in cells):
                continue
            header = [str(clean_cell(cell)) for cell in cells]
            collector = RowCollector(source_name, resolve_columns(header, mapping), default_kind)
            continue
        assert collector is not None
        if len(cells) > len(header) and any(clean_cell(cell) for cell in cells[len(header) :]):
            collector.error(number, f"比表头多出{len(cells) - len(header)}列（可能有未加引号的分隔符）")
            continue
        collector.add(number, dict(zip(header, cells, strict=False)))
    if collector is None:
        raise ValueError(f"{source_name}: no header row")
    return collector.result


def import_csv(
    path: str | Path,
    mapping: Mapping[str, str] | None = None,
    source_name: str | None = None,
    default_kind: str = "imported",
    progress: ProgressFn | None = None,
) -> ImportResult:
    """Entries from a CSV export; bad rows land in `errors` with their row number.

    Raises ValueError when the file as a whole is unusable (no header, no answer column …).
    """
    path = Path(path)
    text = read_csv_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text[:4096]))
    return _import_rows(_numbered_rows(reader), source_name or path.name, mapping, default_kind, progress)


def count_csv_rows(path: str | Path) -> int:
    """Physical lines, a cheap upper bound for a progress bar."""
    with Path(path).open("rb") as handle:
        return sum(1 for _ in handle)


def import_xlsx(
    path: str | Path,
    mapping: Mapping[str, str] | None = None,
    source_name: str | None = None,
    sheet: str | None = None,
    default_kind: str = "imported",
    progress: ProgressFn | None = None,
) -> ImportResult:
    """Entries from one sheet (default: the first) of an .xlsx workbook."""
    from openpyxl import load_workbook

    path = Path(path)
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise ValueError(f"{path}: no sheet {sheet!r}; sheets: {', '.join(workbook.sheetnames)}")
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        first = worksheet.min_row or 1
        rows = (
            (number, list(values)) for number, values in enumerate(worksheet.iter_rows(values_only=True), start=first)
        )
        return _import_rows(rows, source_name or path.name, mapping, default_kind, progress)
    finally:
        workbook.close()


def count_xlsx_rows(path: str | Path) -> int | None:
    """The first sheet's row count as the file declares it (None when it does not)."""
    from openpyxl import load_workbook

    workbook = load_workbook(Path(path), read_only=True)
    try:
        return workbook.worksheets[0].max_row
    finally:
        workbook.close()
