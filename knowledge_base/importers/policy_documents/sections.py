"""Stage 2e, document structure: the section tree cut into entry-sized sections.

Every numbered section of reasonable size gets its own entry; tiny sections are merged into their
parent, long ones are split at paragraph or sentence boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from knowledge_base.importers.policy_documents.paragraphs import is_heading_only
from knowledge_base.importers.policy_documents.tree import Node
from knowledge_base.importers.policy_documents.validity import lead_department

MAX_CHARS = 600  # longest answer we emit before splitting
MIN_CHARS = 80  # sections shorter than this are merged into their parent
MIN_BUCKET_CHARS = 30  # parent text shorter than this (e.g. a bare heading) is not emitted


@dataclass(frozen=True)
class Section:
    """A chunk of text ready to become one entry."""

    path: str
    label: str  # the section's own number, e.g. "5." or "第十四条—第十六条"
    heading: str
    text: str
    keywords: tuple[str, ...]
    department: str = ""  # from the whole section, so every chunk of it carries it
    part: int = 1
    parts: int = 1


def all_paragraphs(node: Node) -> list[str]:
    out = list(node.paragraphs)
    for child in node.children:
        out.extend(all_paragraphs(child))
    return out


def text_length(paragraphs: Sequence[str]) -> int:
    return sum(len(paragraph) for paragraph in paragraphs)


def _split_long(paragraph: str, limit: int) -> list[str]:
    """Split one over-long paragraph at sentence ends."""
    sentences = re.findall(r"[^。；！？]*[。；！？]+”?|[^。；！？]+$", paragraph)
    pieces: list[str] = []
    current = ""
    for sentence in sentences:
        if current and len(current) + len(sentence) > limit:
            pieces.append(current)
            current = ""
        current += sentence
    if current:
        pieces.append(current)
    return pieces


def chunk_paragraphs(paragraphs: Sequence[str], limit: int = MAX_CHARS) -> list[str]:
    """Group paragraphs into texts of at most ~`limit` characters; a tiny tail joins the last chunk."""
    pieces: list[str] = []
    for paragraph in paragraphs:
        pieces.extend(_split_long(paragraph, limit) if len(paragraph) > limit else [paragraph])
    chunks: list[list[str]] = []
    for piece in pieces:
        if chunks and text_length(chunks[-1]) + len(piece) <= limit:
            chunks[-1].append(piece)
        else:
            chunks.append([piece])
    if len(chunks) > 1 and text_length(chunks[-1]) < MIN_CHARS:
        tail = chunks.pop()
        chunks[-1].extend(tail)
    return ["\n".join(chunk) for chunk in chunks]


def _sections_for(
    path: str, label: str, heading: str, keywords: tuple[str, ...], paragraphs: Sequence[str]
) -> Iterator[Section]:
    chunks = chunk_paragraphs(paragraphs)
    department = lead_department("\n".join(paragraphs))
    for number, text in enumerate(chunks, start=1):
        yield Section(
            path=path,
            label=label,
            heading=heading,
            text=text,
            keywords=keywords,
            department=department,
            part=number,
            parts=len(chunks),
        )


def iter_sections(node: Node, path: str = "", keywords: tuple[str, ...] = ()) -> Iterator[Section]:
    """Smallest meaningful sections: every numbered section that is not tiny gets its own
    entry; tiny subsections are merged into their parent's entry."""
    own_keywords = keywords + ((node.heading,) if node.heading else ())
    if node.kind == "root":
        yield from _root_sections(node, path, own_keywords)
        return
    if not node.children:
        if not (len(node.paragraphs) == 1 and is_heading_only(node.paragraphs[0])):
            yield from _sections_for(path, node.label, node.heading, own_keywords, node.paragraphs)
        return
    bucket = list(node.paragraphs)
    large: list[Node] = []
    for child in node.children:
        child_paragraphs = all_paragraphs(child)
        if text_length(child_paragraphs) < MIN_CHARS:
            bucket.extend(child_paragraphs)
        else:
            large.append(child)
    bare_heading = len(bucket) == len(node.paragraphs) <= 1
    if text_length(bucket) >= MIN_BUCKET_CHARS and not (bare_heading and text_length(bucket) < MIN_CHARS):
        yield from _sections_for(path, node.label, node.heading, own_keywords, bucket)
    for child in large:
        yield from iter_sections(child, path + child.label, own_keywords)


def _root_sections(root: Node, path: str, keywords: tuple[str, ...]) -> Iterator[Section]:
    """A text's top level: its preamble, then its sections.

    Runs of tiny top-level articles (or table records) are merged with each other rather than into the
    preamble, under a ranged path such as "第十四条—第十六条".
    """
    if text_length(root.paragraphs) >= MIN_BUCKET_CHARS:
        yield from _sections_for(path, "", "", keywords, root.paragraphs)
    run: list[Node] = []
    for child in [*root.children, None]:
        if child is not None and child.kind in ("art", "row") and text_length(all_paragraphs(child)) < MIN_CHARS:
            run.append(child)
            continue
        if run:
            paragraphs = [p for node in run for p in all_paragraphs(node)]
            label = run[0].label if len(run) == 1 else f"{run[0].label}—{run[-1].label}"
            heading = run[0].heading if len(run) == 1 else ""
            if text_length(paragraphs) >= MIN_BUCKET_CHARS:
                yield from _sections_for(path + label, label, heading, keywords, paragraphs)
            run = []
        if child is not None:
            yield from iter_sections(child, path + child.label, keywords)
