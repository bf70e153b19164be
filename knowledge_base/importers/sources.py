"""One entry point for every import format: pick the importer by format or file suffix."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from knowledge_base.importers.documents import DOCUMENT_SUFFIXES, import_document
from knowledge_base.importers.jsonl import count_lines, import_jsonl
from knowledge_base.importers.records import ImportResult, ProgressFn
from knowledge_base.importers.spreadsheets import count_csv_rows, count_xlsx_rows, import_csv, import_xlsx

FORMATS: tuple[str, ...] = ("auto", "csv", "xlsx", "jsonl", "policy")
_SUFFIX_FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    **dict.fromkeys(DOCUMENT_SUFFIXES, "policy"),
}


def detect_format(path: str | Path, requested: str = "auto") -> str:
    """The importer for `path`; ValueError for an unknown format or suffix."""
    if requested not in FORMATS:
        raise ValueError(f"unknown format {requested!r}; formats: {', '.join(FORMATS)}")
    if requested != "auto":
        return requested
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIX_FORMATS:
        raise ValueError(
            f"cannot tell the format of {path} from {suffix or '(no suffix)'!r}; "
            f"known suffixes: {', '.join(sorted(_SUFFIX_FORMATS))} (or pass --format)"
        )
    return _SUFFIX_FORMATS[suffix]


def estimate_rows(path: str | Path, fmt: str) -> int | None:
    """Rows (or lines) for a progress bar; None when unknown (policy documents)."""
    if fmt == "csv":
        return count_csv_rows(path)
    if fmt == "xlsx":
        return count_xlsx_rows(path)
    if fmt == "jsonl":
        return count_lines(path)
    return None


def import_source(
    path: str | Path,
    fmt: str = "auto",
    mapping: Mapping[str, str] | None = None,
    source_name: str | None = None,
    city: str = "",
    progress: ProgressFn | None = None,
) -> ImportResult:
    """Entries of one file in any supported format, with the rows that had to be skipped.

    `mapping` ({column: field}) applies to CSV, XLSX and JSONL; `city` (e.g. 焦作市) marks policy
    documents of other cities with their region. Raises ValueError when the file as a whole cannot
    be imported (unknown format, no header, no answer column, PDF without text …).
    """
    path = Path(path)
    fmt = detect_format(path, fmt)
    if fmt == "csv":
        return import_csv(path, mapping, source_name, progress=progress)
    if fmt == "xlsx":
        return import_xlsx(path, mapping, source_name, progress=progress)
    if fmt == "jsonl":
        return import_jsonl(path, mapping, source_name, progress=progress)
    if mapping:
        raise ValueError("--map applies to spreadsheets and JSONL, not to policy documents")
    entries = import_document(path, city)
    if progress is not None:
        progress(1)
    return ImportResult(entries=entries)
