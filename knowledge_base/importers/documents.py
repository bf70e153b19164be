"""Policy documents in any of the forms a centre has them: .txt, .md, .docx, .pdf.

This module only turns a file into text lines; the structure (documents, 文号, numbered sections,
tables, validity) is found by the text splitter in `policy_documents`, the same for every format.
Word tables become tab-separated lines (what the splitter reads as table rows); Word headings
become markdown headings. PDF text comes from pypdf's extraction, so scanned PDFs (images
without a text layer) yield nothing and are reported as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from knowledge_base.entry import KnowledgeEntry
from knowledge_base.importers.policy_documents import SUPPORTED_SUFFIXES, ProgressCallback, iter_text_entries
from knowledge_base.importers.policy_documents.files import import_each, require_suffixes

TEXT_SUFFIXES = SUPPORTED_SUFFIXES  # read as they are
DOCUMENT_SUFFIXES: tuple[str, ...] = (*TEXT_SUFFIXES, ".docx", ".pdf")


def _docx_lines(path: Path) -> Iterator[str]:
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = Document(str(path))
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if not text:
                continue
            style = (block.style.name if block.style is not None else "") or ""
            is_heading = style.lower().startswith(("heading", "title")) or style.startswith("标题")
            yield f"# {text}" if is_heading else text
        elif isinstance(block, Table):
            for row in block.rows:
                cells = [" ".join(cell.text.split()) for cell in row.cells]
                # merged cells repeat their text in python-docx; keep each value once per row
                deduped = [cell if index == 0 or cell != cells[index - 1] else "" for index, cell in enumerate(cells)]
                if any(deduped):
                    yield "\t".join(deduped)


def docx_text(path: str | Path) -> str:
    """The text of a Word document, paragraphs and tables in reading order."""
    return "\n".join(_docx_lines(Path(path)))


def pdf_text(path: str | Path) -> str:
    """The text layer of a PDF, page after page."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def document_text(path: str | Path) -> str:
    """Text of a .txt/.md/.docx/.pdf file; ValueError for other types or a PDF without text."""
    path = Path(path)
    check_suffixes([path])
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return path.read_text(encoding="utf-8")
    if suffix == ".docx":
        return docx_text(path)
    text = pdf_text(path)
    if not text.strip():
        raise ValueError(f"{path}: the PDF has no text layer (scanned?); run OCR first")
    return text


def import_document(path: str | Path, city: str = "") -> list[KnowledgeEntry]:
    """Entries of one policy document file, split by its structure."""
    path = Path(path)
    return list(iter_text_entries(document_text(path), fallback_title=path.stem, city=city))


def check_suffixes(paths: Iterable[Path]) -> None:
    """Raise ValueError naming the first file of an unsupported type (before importing anything)."""
    require_suffixes(paths, DOCUMENT_SUFFIXES)


def import_documents(
    paths: Iterable[Path], city: str = "", on_file_done: ProgressCallback | None = None
) -> list[KnowledgeEntry]:
    """Entries of several policy document files; `on_file_done(path, n)` reports progress."""
    path_list = [Path(path) for path in paths]
    check_suffixes(path_list)
    return import_each(path_list, lambda path: import_document(path, city), on_file_done)
