"""The policy importer's file API: .txt/.md gazette files in, knowledge entries out.

`require_suffixes` and `import_each` also serve the importer of Word and PDF documents
(`knowledge_base.importers.documents`), which accepts more suffixes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from knowledge_base.entry import KnowledgeEntry
from knowledge_base.importers.policy_documents.documents import RawDocument, split_documents
from knowledge_base.importers.policy_documents.emit import iter_text_entries
from knowledge_base.importers.policy_documents.text import clean_lines

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".md")

ProgressCallback = Callable[[Path, int], None]


def require_suffixes(paths: Iterable[Path], supported: Sequence[str] = SUPPORTED_SUFFIXES) -> None:
    """Raise ValueError naming the first file whose type is not in `supported`."""
    for path in paths:
        if path.suffix.lower() not in supported:
            raise ValueError(
                f"unsupported policy document type {path.suffix or '(none)'!r} for {path}; "
                f"supported: {', '.join(supported)}"
            )


def import_each(
    paths: Sequence[Path],
    import_file: Callable[[Path], list[KnowledgeEntry]],
    on_file_done: ProgressCallback | None = None,
) -> list[KnowledgeEntry]:
    """The entries of every file in turn; `on_file_done(path, n_entries)` reports progress."""
    entries: list[KnowledgeEntry] = []
    for path in paths:
        imported = import_file(path)
        entries.extend(imported)
        if on_file_done is not None:
            on_file_done(path, len(imported))
    return entries


def read_documents(path: Path) -> list[RawDocument]:
    """The documents of one gazette file."""
    return split_documents(clean_lines(path.read_text(encoding="utf-8")))


def iter_policy_entries(path: Path, city: str = "") -> Iterator[KnowledgeEntry]:
    """Entries of one .txt/.md gazette file, yielded as they are produced.

    `city` (e.g. "焦作市") marks documents issued by another city's government with that
    city as `region`, so they are not served as local policy.
    """
    path = Path(path)
    require_suffixes([path])
    yield from iter_text_entries(path.read_text(encoding="utf-8"), fallback_title=path.stem, city=city)


def import_policy_document(path: Path, city: str = "") -> list[KnowledgeEntry]:
    """All entries of one gazette file."""
    return list(iter_policy_entries(path, city))


def import_paths(
    paths: Iterable[Path], city: str = "", on_file_done: ProgressCallback | None = None
) -> list[KnowledgeEntry]:
    """Import several .txt/.md files; `on_file_done(path, n_entries)` reports progress.

    Raises ValueError for unsupported file types before anything is imported.
    """
    path_list = [Path(path) for path in paths]
    require_suffixes(path_list)
    return import_each(path_list, lambda path: import_policy_document(path, city), on_file_done)
