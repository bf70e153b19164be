"""Stage 4, emit: the knowledge entries of one document, and of a document's text.

Ids hash the 文号 (or the title when there is none) plus the section path, so a re-import yields
the same ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace

from knowledge_base.entry import KnowledgeEntry, Source
from knowledge_base.importers.policy_documents.documents import RawDocument, single_document, split_documents
from knowledge_base.importers.policy_documents.paragraphs import build_paragraphs
from knowledge_base.importers.policy_documents.parts import split_parts
from knowledge_base.importers.policy_documents.sections import Section, all_paragraphs, iter_sections, text_length
from knowledge_base.importers.policy_documents.text import clean_lines
from knowledge_base.importers.policy_documents.tree import build_tree
from knowledge_base.importers.policy_documents.validity import document_valid_to, issuer_region, latest_valid_to


def _stable_id(document_key: str, path: str, occurrence: int, part: int) -> str:
    digest_doc = hashlib.sha1(document_key.encode("utf-8")).hexdigest()[:8]
    digest_section = hashlib.sha1(f"{path}#{occurrence}#{part}".encode()).hexdigest()[:8]
    return f"policy-{digest_doc}-{digest_section}"


def _entry_title(name: str, section: Section) -> str:
    label = section.label
    separator = " " if label.endswith(("章", "节", "条", "项")) and section.heading else ""
    suffix = f"{label}{separator}{section.heading}"
    title = f"{name}：{suffix}" if suffix else name
    if section.parts > 1:
        title += f"（{section.part}/{section.parts}）"
    return title


def document_entries(document: RawDocument, city: str = "") -> Iterator[KnowledgeEntry]:
    """All entries of one document, in reading order."""
    parts, signed = split_parts(document)
    issued = document.date or signed
    trees = [(part, build_tree(build_paragraphs(part.lines))) for part in parts]
    doc_valid_to = document_valid_to((p for _, tree in trees for p in all_paragraphs(tree)), issued)
    has_issued_text = any(not part.is_notice and not part.label for part in parts)
    document_key = document.doc_number or document.title
    seen: dict[tuple[str, int], int] = {}
    source_base = Source(title=document.title, doc_number=document.doc_number, issuer=document.issuer, date=issued)
    for part, tree in trees:
        if part.is_notice and has_issued_text and text_length(all_paragraphs(tree)) < 120:
            continue  # "现将《……》印发给你们" boilerplate
        prefix = f"{part.label} " if part.label else ""
        name = part.title if part.label and part.title else document.short_title
        for section in iter_sections(tree, path=prefix):
            path = section.path.strip()
            occurrence = seen.get((path, section.part), 0)
            seen[(path, section.part)] = occurrence + 1
            yield KnowledgeEntry(
                id=_stable_id(document_key, path, occurrence, section.part),
                title=_entry_title(name, section),
                answer=section.text,
                source=replace(source_base, section=path),
                department=section.department,
                region=issuer_region(document.issuer, city),
                valid_from=issued,
                valid_to=latest_valid_to(section.text) or doc_valid_to,
                kind="policy",
                keywords=tuple(dict.fromkeys(k for k in section.keywords if k)),
            )


def iter_text_entries(text: str, fallback_title: str = "", city: str = "") -> Iterator[KnowledgeEntry]:
    """Entries of a document's text, whatever file it came from.

    Gazette-style text is split into its documents; text without any document heading becomes
    one document titled by its first line (or `fallback_title`, e.g. the file name).
    """
    lines = clean_lines(text)
    documents = split_documents(lines)
    if not documents and lines and fallback_title:
        documents = [single_document(lines, fallback_title)]
    for document in documents:
        yield from document_entries(document, city)
