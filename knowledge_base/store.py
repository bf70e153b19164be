"""The knowledge store: every knowledge entry in a SQL database (SQLite by default, PostgreSQL by URL).

Entries arrive from import sources (a spreadsheet, a JSONL file, a policy document, the city's
shipped YAML). Each source has a `source_key`; importing the same source again updates its entries
in place (same ids) instead of duplicating them, and reports what was created, updated, left
unchanged and — when asked — retired because the source no longer contains it.

A status set by hand (`set_status`, e.g. `hotline kb retire ID`) is sticky: re-importing the source
does not bring a retired entry back. Everything else about an entry follows its source.

The index builder reads `published_entries()`; incremental indexers can use `updated_since()`.
Only `KnowledgeEntry` values leave this module, never ORM rows.

The engine and its SQLite settings are the work-order store's (sqlstore.engines; writers lock up
front), and opening a store migrates its table with Alembic (knowledge_base/migrate.py).
"""

from __future__ import annotations

import builtins
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from knowledge_base.entry import STATUSES, KnowledgeEntry, Source
from knowledge_base.migrate import MIGRATIONS
from knowledge_base.models import EntryRow
from sqlstore.engines import make_engine, write_engine

_LOOKUP_CHUNK = 500  # ids per IN (...) query; far below SQLite's parameter limit

ProgressFn = Callable[[int], None]  # called with the number of entries just processed


_CONTENT_FIELDS = (
    "title",
    "answer",
    "plain_answer",
    "voice_answer",
    "questions",
    "keywords",
    "department",
    "region",
    "valid_from",
    "valid_to",
    "kind",
    "category",
)


def content_hash(entry: KnowledgeEntry) -> str:
    """SHA-256 over what a caller could be told (text, source, validity); not status or updated_at."""
    data = {name: getattr(entry, name) for name in _CONTENT_FIELDS}
    data["questions"] = list(entry.questions)
    data["keywords"] = list(entry.keywords)
    if entry.facets:  # absent, not empty, so entries without facets keep their earlier hash
        data["facets"] = {name: list(lines) for name, lines in entry.facets.items()}
    data["source"] = asdict(entry.source)
    blob = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _row_values(entry: KnowledgeEntry) -> dict[str, Any]:
    """Column values of an entry (without status bookkeeping, source_key and timestamps)."""
    return {
        "id": entry.id,
        "title": entry.title,
        "answer": entry.answer,
        "plain_answer": entry.plain_answer,
        "voice_answer": entry.voice_answer,
        "questions": list(entry.questions),
        "keywords": list(entry.keywords),
        "facets": {name: list(lines) for name, lines in entry.facets.items()},
        "source_title": entry.source.title,
        "source_doc_number": entry.source.doc_number,
        "source_issuer": entry.source.issuer,
        "source_date": entry.source.date,
        "source_section": entry.source.section,
        "department": entry.department,
        "region": entry.region,
        "valid_from": entry.valid_from,
        "valid_to": entry.valid_to,
        "kind": entry.kind,
        "category": entry.category,
        "content_hash": content_hash(entry),
    }


def _to_entry(row: EntryRow) -> KnowledgeEntry:
    return KnowledgeEntry(
        id=row.id,
        title=row.title,
        answer=row.answer,
        source=Source(
            title=row.source_title,
            doc_number=row.source_doc_number or "",
            issuer=row.source_issuer or "",
            date=row.source_date or "",
            section=row.source_section or "",
        ),
        questions=tuple(row.questions or ()),
        department=row.department or "",
        region=row.region or "",
        valid_from=row.valid_from or "",
        valid_to=row.valid_to or "",
        kind=row.kind,
        keywords=tuple(row.keywords or ()),
        facets={name: tuple(lines) for name, lines in (row.facets or {}).items()},
        plain_answer=row.plain_answer or "",
        voice_answer=row.voice_answer or "",
        category=row.category or "",
        status=row.status,
        updated_at=row.updated_at,
    )


@dataclass
class ImportReport:
    """What one upsert did, by entry id."""

    source_key: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)  # no longer in the source (retire_missing)
    conflicts: list[str] = field(default_factory=list)  # id owned by another source: skipped

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "retired": len(self.retired),
            "conflicts": len(self.conflicts),
        }

    @property
    def changed_ids(self) -> list[str]:
        """Ids whose index vectors need refreshing (created, updated or retired)."""
        return self.created + self.updated + self.retired


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class KnowledgeStore:
    """Knowledge entries in SQL. Create one per process; it is safe to share between threads."""

    def __init__(self, database_url: str, clock: Callable[[], str] | None = None) -> None:
        """``clock`` returns the ISO timestamp written to updated_at (tests pin it)."""
        self.engine = make_engine(database_url)
        # Writers on SQLite start with BEGIN IMMEDIATE, as in the work-order store.
        self._write_engine = write_engine(self.engine)
        self._clock = clock or _now
        MIGRATIONS.upgrade_to_head(self._write_engine)

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ writing

    def upsert_many(
        self,
        entries: Iterable[KnowledgeEntry],
        source_key: str,
        retire_missing: bool = False,
        progress: ProgressFn | None = None,
    ) -> ImportReport:
        """Insert new entries, update changed ones, leave identical ones untouched.

        With ``retire_missing`` the source's entries that are not in ``entries`` are retired
        (use it when ``entries`` is the complete current content of the source). An id that
        belongs to another source is not touched and is reported under ``conflicts``.
        Raises ValueError when ``entries`` repeats an id or carries an unknown status.
        """
        batch = list(entries)
        ids: set[str] = set()
        for entry in batch:
            if entry.id in ids:
                raise ValueError(f"entry {entry.id}: duplicate id in one import")
            ids.add(entry.id)
            _check_status(entry.status)
        report = ImportReport(source_key=source_key)
        now = self._clock()
        with Session(self._write_engine) as session, session.begin():
            for chunk in _chunks(batch, _LOOKUP_CHUNK):
                self._upsert_chunk(session, chunk, source_key, now, report)
                if progress is not None:
                    progress(len(chunk))
            if retire_missing:
                report.retired = self._retire_missing(session, source_key, ids, now)
        return report

    def _upsert_chunk(
        self,
        session: Session,
        chunk: Sequence[KnowledgeEntry],
        source_key: str,
        now: str,
        report: ImportReport,
    ) -> None:
        existing = {
            row.id: row
            for row in session.execute(
                select(
                    EntryRow.id,
                    EntryRow.content_hash,
                    EntryRow.status,
                    EntryRow.status_manual,
                    EntryRow.source_key,
                ).where(EntryRow.id.in_([entry.id for entry in chunk]))
            )
        }
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for entry in chunk:
            values = _row_values(entry)
            old = existing.get(entry.id)
            if old is None:
                inserts.append(
                    {
                        **values,
                        "status": entry.status,
                        "status_manual": False,
                        "source_key": source_key,
                        "updated_at": entry.updated_at or now,
                    }
                )
                report.created.append(entry.id)
                continue
            if old.source_key != source_key:
                report.conflicts.append(entry.id)
                continue
            status = old.status if old.status_manual else entry.status
            if old.content_hash == values["content_hash"] and status == old.status:
                report.unchanged.append(entry.id)
                continue
            updates.append({**values, "status": status, "updated_at": now})
            report.updated.append(entry.id)
        if inserts:
            session.execute(cast(Table, EntryRow.__table__).insert(), inserts)
        if updates:
            session.execute(update(EntryRow), updates)  # bulk UPDATE by primary key

    def _retire_missing(self, session: Session, source_key: str, keep: set[str], now: str) -> list[str]:
        rows = session.scalars(
            select(EntryRow.id).where(
                EntryRow.source_key == source_key,
                EntryRow.status != "retired",
                EntryRow.status_manual.is_(False),
            )
        ).all()
        gone = [entry_id for entry_id in rows if entry_id not in keep]
        for chunk in _chunks(gone, _LOOKUP_CHUNK):
            session.execute(update(EntryRow).where(EntryRow.id.in_(chunk)).values(status="retired", updated_at=now))
        return gone

    def set_status(self, entry_id: str, status: str) -> KnowledgeEntry:
        """Publish, retire or draft one entry by hand; raises KeyError for an unknown id.

        A hand-set status survives re-imports of the entry's source.
        """
        _check_status(status)
        with Session(self._write_engine) as session, session.begin():
            row = session.get(EntryRow, entry_id)
            if row is None:
                raise KeyError(entry_id)
            if row.status != status or not row.status_manual:
                row.status = status
                row.status_manual = True
                row.updated_at = self._clock()
            return _to_entry(row)

    # ------------------------------------------------------------------ reading

    def get(self, entry_id: str) -> KnowledgeEntry | None:
        with Session(self.engine) as session:
            row = session.get(EntryRow, entry_id)
            return _to_entry(row) if row is not None else None

    def source_of(self, entry_id: str) -> str | None:
        """The source_key an entry was imported under, or None for an unknown id."""
        with Session(self.engine) as session:
            return session.scalar(select(EntryRow.source_key).where(EntryRow.id == entry_id))

    def _filtered(
        self,
        status: str | None = None,
        kind: str | None = None,
        region: str | None = None,
        source_key: str | None = None,
    ) -> Any:
        query = select(EntryRow)
        if status is not None:
            query = query.where(EntryRow.status == status)
        if kind is not None:
            query = query.where(EntryRow.kind == kind)
        if region is not None:
            query = query.where(EntryRow.region == region)
        if source_key is not None:
            query = query.where(EntryRow.source_key == source_key)
        return query

    def list(
        self,
        status: str | None = None,
        kind: str | None = None,
        region: str | None = None,
        source_key: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> builtins.list[KnowledgeEntry]:
        """Entries matching every given filter, ordered by id. ``region=""`` means city-wide."""
        query = self._filtered(status, kind, region, source_key).order_by(EntryRow.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        with Session(self.engine) as session:
            return [_to_entry(row) for row in session.scalars(query)]

    def count(
        self,
        status: str | None = None,
        kind: str | None = None,
        region: str | None = None,
        source_key: str | None = None,
    ) -> int:
        query = self._filtered(status, kind, region, source_key)
        with Session(self.engine) as session:
            return session.scalar(select(func.count()).select_from(query.subquery())) or 0

    def published_entries(self, on: date | None = None) -> builtins.list[KnowledgeEntry]:
        """Published entries for the index builder, ordered by id.

        ``on=None`` returns every published entry, expired ones included, so search can tell a
        caller that a policy has expired; ``on=day`` keeps only those in force on that day.
        """
        query = select(EntryRow).where(EntryRow.status == "published")
        if on is not None:
            iso = on.isoformat()
            query = query.where(
                (EntryRow.valid_from == "") | (EntryRow.valid_from <= iso),
                (EntryRow.valid_to == "") | (EntryRow.valid_to >= iso),
            )
        with Session(self.engine) as session:
            return [_to_entry(row) for row in session.scalars(query.order_by(EntryRow.id))]

    def updated_since(self, timestamp: str) -> builtins.list[KnowledgeEntry]:
        """Entries (any status) changed after ``timestamp`` (ISO), for incremental index updates."""
        query = select(EntryRow).where(EntryRow.updated_at > timestamp).order_by(EntryRow.updated_at)
        with Session(self.engine) as session:
            return [_to_entry(row) for row in session.scalars(query)]

    def iter_entries(self, status: str | None = None, batch_size: int = 1000) -> Iterator[KnowledgeEntry]:
        """Every entry (optionally of one status) in id order, read in batches, for export."""
        last_id = ""
        while True:
            query = self._filtered(status).where(EntryRow.id > last_id).order_by(EntryRow.id).limit(batch_size)
            with Session(self.engine) as session:
                batch = [_to_entry(row) for row in session.scalars(query)]
            if not batch:
                return
            yield from batch
            last_id = batch[-1].id

    def sources(self) -> dict[str, int]:
        """Number of entries per source_key."""
        query = select(EntryRow.source_key, func.count()).group_by(EntryRow.source_key)
        with Session(self.engine) as session:
            return dict(session.execute(query).all())
