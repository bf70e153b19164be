"""The knowledge store's Alembic migrations and its engine, shared with the work-order store.

Runs on SQLite and PostgreSQL (the ``db_url`` fixture of tests/conftest.py).
"""

from __future__ import annotations

import ast
import threading
from argparse import Namespace
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, Table, inspect, text
from sqlalchemy.orm import Session

from knowledge_base.entry import KnowledgeEntry, Source
from knowledge_base.migrate import MIGRATIONS
from knowledge_base.models import Base, EntryRow
from knowledge_base.store import KnowledgeStore
from sqlstore.engines import make_engine
from tests.unit.test_import_layers import ROOT, _imported_modules, violations
from tickets.migrate import MIGRATIONS as TICKET_MIGRATIONS
from tickets.models import Base as TicketBase
from tickets.store import TicketStore

LEGACY_ID = "faq-legacy"
# Columns added by revisions after the baseline (kb0002: facets); the baseline is the models without them.
LATER_COLUMNS = frozenset({"facets"})


def _legacy_metadata() -> MetaData:
    """The schema create_all made before migrations: today's kb_entries without LATER_COLUMNS."""
    table = EntryRow.__table__
    assert isinstance(table, Table)
    metadata = MetaData()
    Table(table.name, metadata, *(column._copy() for column in table.columns if column.name not in LATER_COLUMNS))
    return metadata


def _to_baseline(url: str) -> None:
    """Migrate an empty database to the baseline revision only."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            command.upgrade(MIGRATIONS.config(connection), MIGRATIONS.baseline_revision)
    finally:
        engine.dispose()


def _entry(entry_id: str, answer: str = "工作日上午九点到下午五点。") -> KnowledgeEntry:
    return KnowledgeEntry(
        id=entry_id, title="办事大厅几点开门", answer=answer, source=Source(title="服务指南"), kind="faq"
    )


def _only(metadata: Any) -> Any:
    """An include_object that keeps the other store's tables out of the comparison."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        return not (type_ == "table" and reflected and compare_to is None and name not in metadata.tables)

    return include


def _differences(url: str, metadata: Any, version_table: str) -> list[Any]:
    """What autogenerate would change to reach `metadata` (types compared too)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            opts = {"compare_type": True, "include_object": _only(metadata), "version_table": version_table}
            return list(compare_metadata(MigrationContext.configure(connection, opts=opts), metadata))
    finally:
        engine.dispose()


def _schema(url: str) -> dict[str, Any]:
    """kb_entries as the database describes it: columns, key, indexes, constraints."""
    engine = make_engine(url)
    try:
        found = inspect(engine)
        return {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c["default"]) for c in found.get_columns("kb_entries")
            ],
            "primary_key": found.get_pk_constraint("kb_entries"),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), i["unique"]) for i in found.get_indexes("kb_entries")
            ),
            "unique": found.get_unique_constraints("kb_entries"),
            "foreign_keys": found.get_foreign_keys("kb_entries"),
        }
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _revision(store: KnowledgeStore) -> str | None:
    with store.engine.connect() as connection:
        return MIGRATIONS.current_revision(connection)


def _create_all_with_a_row(url: str) -> None:
    """What KnowledgeStore did before migrations: create_all, then an import wrote a row."""
    engine = make_engine(url)
    try:
        metadata = _legacy_metadata()
        metadata.create_all(engine)
        table = metadata.tables["kb_entries"]
        row: dict[str, Any] = {column.name: "" for column in table.columns}
        row.update(
            id=LEGACY_ID,
            title="办事大厅几点开门",
            answer="工作日上午九点到下午五点。",
            source_title="服务指南",
            questions=[],
            keywords=[],
            kind="faq",
            status="published",
            status_manual=False,
            updated_at="2026-01-01T00:00:00+00:00",
            source_key="city",
            content_hash="0" * 64,
        )
        with engine.begin() as connection:
            connection.execute(table.insert(), [row])
    finally:
        engine.dispose()


def test_an_empty_database_migrates_to_the_models_schema(db_url: str) -> None:
    store = KnowledgeStore(db_url)
    try:
        assert _revision(store) == MIGRATIONS.head_revision()
    finally:
        store.close()
    assert {"kb_entries", "kb_alembic_version"} <= _tables(db_url)
    assert "alembic_version" not in _tables(db_url)  # the work orders' version table is theirs
    assert _differences(db_url, Base.metadata, "kb_alembic_version") == []


def test_the_baseline_makes_exactly_the_table_create_all_made(db_url: str) -> None:
    engine = make_engine(db_url)
    legacy = _legacy_metadata()
    legacy.create_all(engine)
    made_by_create_all = _schema(db_url)
    legacy.drop_all(engine)
    engine.dispose()
    _to_baseline(db_url)
    assert _schema(db_url) == made_by_create_all


def test_the_baseline_ddl_on_sqlite_is_create_alls(tmp_path: Path) -> None:
    def ddl(url: str) -> list[str]:
        engine = make_engine(url)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT sql FROM sqlite_master WHERE tbl_name = 'kb_entries' ORDER BY name"))
            found = [row[0] for row in rows]
        engine.dispose()
        return found

    legacy, migrated = f"sqlite:///{tmp_path / 'legacy.db'}", f"sqlite:///{tmp_path / 'migrated.db'}"
    _legacy_metadata().create_all(make_engine(legacy))
    _to_baseline(migrated)
    assert ddl(migrated) == ddl(legacy)


def test_facets_are_added_to_a_baseline_database_and_kept(db_url: str) -> None:
    _create_all_with_a_row(db_url)
    store = KnowledgeStore(db_url)
    try:
        assert store.get(LEGACY_ID).facets == {}
        faceted = replace(_entry("guide-x"), kind="guide", facets={"fee": ("不收费。",)})
        store.upsert_many([faceted], "city")
        assert store.get("guide-x").facets == {"fee": ("不收费。",)}
    finally:
        store.close()


def test_a_database_made_by_create_all_is_adopted(db_url: str) -> None:
    _create_all_with_a_row(db_url)
    assert "kb_alembic_version" not in _tables(db_url)
    store = KnowledgeStore(db_url)
    try:
        assert _revision(store) == MIGRATIONS.head_revision()
        legacy = store.get(LEGACY_ID)
        assert legacy is not None and legacy.answer == "工作日上午九点到下午五点。"
        report = store.upsert_many([_entry(LEGACY_ID, "工作日上午八点半到下午五点半。")], "city")
        assert report.updated == [LEGACY_ID]
    finally:
        store.close()
    assert _differences(db_url, Base.metadata, "kb_alembic_version") == []


def test_opening_again_keeps_the_entries(db_url: str) -> None:
    first = KnowledgeStore(db_url)
    first.upsert_many([_entry("faq-1")], "city")
    first.close()
    again = KnowledgeStore(db_url)
    try:
        assert again.get("faq-1") is not None and _revision(again) == MIGRATIONS.head_revision()
    finally:
        again.close()


@pytest.mark.parametrize("knowledge_first", [True, False])
def test_both_stores_share_one_database(db_url: str, knowledge_first: bool) -> None:
    """Each store has its own version table and migrates its own tables only, in either order."""
    openers = [lambda: KnowledgeStore(db_url), lambda: TicketStore(db_url, prefix="JZ")]
    opened = [open_store() for open_store in (openers if knowledge_first else openers[::-1])]
    try:
        with opened[0].engine.connect() as connection:
            assert MIGRATIONS.current_revision(connection) == MIGRATIONS.head_revision()
            assert TICKET_MIGRATIONS.current_revision(connection) == TICKET_MIGRATIONS.head_revision()
    finally:
        for store in opened:
            store.close()
    assert _differences(db_url, Base.metadata, "kb_alembic_version") == []
    assert _differences(db_url, TicketBase.metadata, "alembic_version") == []


def _at_once(work: Callable[[int], None], count: int = 4) -> list[BaseException]:
    """Run `work(0)` … `work(count - 1)` in threads released together; the errors they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            start.wait()
            work(index)
        except BaseException as error:  # noqa: BLE001 - returned to the test, which asserts on it
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_stores_opened_at_once_migrate_once(db_url: str) -> None:
    assert _at_once(lambda _: KnowledgeStore(db_url).close()) == []
    store = KnowledgeStore(db_url)
    try:
        assert _revision(store) == MIGRATIONS.head_revision()
    finally:
        store.close()


def test_the_alembic_command_line_path_migrates_by_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    config = replace(MIGRATIONS, ini_file=None).config()  # no ini: leave the test run's logging alone
    config.cmd_opts = Namespace(x=[f"url={url}"])
    command.upgrade(config, "head")
    assert {"kb_entries", "kb_alembic_version"} <= _tables(url)
    assert _differences(url, Base.metadata, "kb_alembic_version") == []


def test_the_knowledge_store_has_the_work_order_stores_sqlite_settings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    pragmas = ("journal_mode", "busy_timeout", "synchronous", "foreign_keys")
    with TicketStore(url, prefix="JZ") as tickets:
        knowledge = KnowledgeStore(url)
        try:
            found = []
            for engine in (tickets.engine, knowledge.engine):
                with engine.connect() as connection:
                    found.append([connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in pragmas])
        finally:
            knowledge.close()
    assert found == [["wal", 15_000, 2, 1]] * 2


def test_concurrent_imports_on_sqlite_do_not_fail_with_database_is_locked(tmp_path: Path) -> None:
    """Writers take the write lock up front (BEGIN IMMEDIATE), so read-then-write imports queue."""
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    KnowledgeStore(url).close()

    def import_source(index: int) -> None:
        store = KnowledgeStore(url)
        try:
            for round_ in range(5):
                entries = [_entry(f"faq-{index}-{n}", f"第{round_}版答复{n}。") for n in range(20)]
                store.upsert_many(entries, f"source-{index}")
        finally:
            store.close()

    assert _at_once(import_source) == []
    store = KnowledgeStore(url)
    try:
        assert store.count() == 80
        with Session(store.engine) as session:
            assert session.get(EntryRow, "faq-3-19") is not None
    finally:
        store.close()


def test_sqlstore_is_neutral() -> None:
    """The shared engine module imports no framework, not the hotline package, no domain package."""
    files = sorted((ROOT / "sqlstore").glob("*.py"))
    assert files and violations(files) == []
    imported = {
        module.split(".")[0]
        for path in files
        for _, module in _imported_modules(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert not imported & {"knowledge_base", "routing", "tickets", "actions", "webapp", "settings"}
