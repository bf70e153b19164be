"""Import government gazettes and policy texts as knowledge entries, split by their structure.

A gazette file holds one or more documents, each with its heading, 文号, body, signature and
attachments; each document is split by its numbering (一、 （一） 1. （1） 第X章 第X条), attachments
("附件1") and tables, and one entry is emitted per smallest section of reasonable size.

One module per stage, each using only the ones before it:
- `text`: raw lines cleaned and normalised (`Line`, 文号 and dates);
- document structure: `documents` (the documents of a file), `parts` (notice, issued text,
  attachments), `paragraphs` (wrapped lines joined, section numbers), `tree` (sections nested by
  their numbering, table records), `sections` (entry-sized chunks);
- `validity`: lead departments, validity end dates and other cities' regions;
- `emit`: the knowledge entries of a document or a text; `files`: the same for .txt/.md files.

JSONL output is `knowledge_base.jsonl_files.write_jsonl`; the command line is `hotline kb import`.
"""

from __future__ import annotations

from knowledge_base.importers.policy_documents.documents import (
    RawDocument,
    find_document_starts,
    single_document,
    split_documents,
)
from knowledge_base.importers.policy_documents.emit import document_entries, iter_text_entries
from knowledge_base.importers.policy_documents.files import (
    SUPPORTED_SUFFIXES,
    ProgressCallback,
    import_paths,
    import_policy_document,
    iter_policy_entries,
    read_documents,
)
from knowledge_base.importers.policy_documents.paragraphs import Paragraph, Table, build_paragraphs
from knowledge_base.importers.policy_documents.parts import Part, split_parts
from knowledge_base.importers.policy_documents.sections import (
    MAX_CHARS,
    MIN_BUCKET_CHARS,
    MIN_CHARS,
    Section,
    chunk_paragraphs,
    iter_sections,
)
from knowledge_base.importers.policy_documents.text import (
    Line,
    clean_line,
    clean_lines,
    is_junk_line,
    normalize_doc_number,
    normalize_text,
)
from knowledge_base.importers.policy_documents.tree import Node, build_tree, table_nodes

__all__ = [
    "MAX_CHARS",
    "MIN_BUCKET_CHARS",
    "MIN_CHARS",
    "SUPPORTED_SUFFIXES",
    "Line",
    "Node",
    "Paragraph",
    "Part",
    "ProgressCallback",
    "RawDocument",
    "Section",
    "Table",
    "build_paragraphs",
    "build_tree",
    "chunk_paragraphs",
    "clean_line",
    "clean_lines",
    "document_entries",
    "find_document_starts",
    "import_paths",
    "import_policy_document",
    "is_junk_line",
    "iter_policy_entries",
    "iter_sections",
    "iter_text_entries",
    "normalize_doc_number",
    "normalize_text",
    "read_documents",
    "single_document",
    "split_documents",
    "split_parts",
    "table_nodes",
]
