"""Importers that turn source documents into knowledge entries.

Formats: spreadsheets (CSV, XLSX), JSONL, and policy documents (txt, md, docx, pdf) split by
their structure. `import_source(path, fmt="auto")` picks the importer.

Names are resolved lazily, so that using one importer does not load the others' libraries.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "DOCUMENT_SUFFIXES": "knowledge_base.importers.documents",
    "import_document": "knowledge_base.importers.documents",
    "import_documents": "knowledge_base.importers.documents",
    "ImportResult": "knowledge_base.importers.records",
    "RowError": "knowledge_base.importers.records",
    "parse_date": "knowledge_base.importers.records",
    "parse_mapping": "knowledge_base.importers.records",
    "import_csv": "knowledge_base.importers.spreadsheets",
    "import_xlsx": "knowledge_base.importers.spreadsheets",
    "import_jsonl": "knowledge_base.importers.jsonl",
    "FORMATS": "knowledge_base.importers.sources",
    "detect_format": "knowledge_base.importers.sources",
    "import_source": "knowledge_base.importers.sources",
    "SUPPORTED_SUFFIXES": "knowledge_base.importers.policy_documents",
    "import_paths": "knowledge_base.importers.policy_documents",
    "import_policy_document": "knowledge_base.importers.policy_documents",
    "iter_policy_entries": "knowledge_base.importers.policy_documents",
    "normalize_doc_number": "knowledge_base.importers.policy_documents",
}

__all__ = list(_EXPORTS)  # the lazily exported names


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
