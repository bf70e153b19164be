"""The SQL knowledge store: idempotent upserts, status, validity filters, export."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from itertools import count

import pytest
from typer.testing import CliRunner

from knowledge_base.entry import KnowledgeEntry, Source
from knowledge_base.store import KnowledgeStore, content_hash


def _entry(entry_id: str, answer: str = "按规定办理。", **changes: object) -> KnowledgeEntry:
    base = KnowledgeEntry(
        id=entry_id,
        title=f"测试条目{entry_id}",
        answer=answer,
        source=Source(
            title="测试来源", doc_number="测〔2024〕1号", issuer="测试单位", date="2024-01-02", section="一、"
        ),
        questions=("怎么办理？", "去哪里办？"),
        department="市测试局",
        keywords=("测试", "办理"),
        plain_answer="白话说法。",
        voice_answer="语音说法。",
        category="测试分类",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture()
def store(tmp_path) -> KnowledgeStore:
    ticks = count(1)
    kb = KnowledgeStore(f"sqlite:///{tmp_path / 'kb.db'}", clock=lambda: f"2026-01-01T00:00:{next(ticks):02d}+00:00")
    yield kb
    kb.close()


def test_entry_round_trips_through_the_store(store):
    entry = _entry("a", region="解放区", valid_from="2024-01-01", valid_to="2025-12-31")
    store.upsert_many([entry], "sheet")
    stored = store.get("a")
    assert stored is not None
    assert replace(stored, updated_at="") == entry
    assert stored.updated_at
    assert store.source_of("a") == "sheet"
    assert store.get("missing") is None


def test_importing_the_same_source_twice_does_not_duplicate(store):
    entries = [_entry("a"), _entry("b"), _entry("c")]
    first = store.upsert_many(entries, "sheet")
    assert sorted(first.created) == ["a", "b", "c"] and not first.updated
    second = store.upsert_many(entries, "sheet")
    assert second.counts() == {"created": 0, "updated": 0, "unchanged": 3, "retired": 0, "conflicts": 0}
    assert store.count() == 3


def test_a_changed_row_is_updated_in_place(store):
    store.upsert_many([_entry("a"), _entry("b")], "sheet")
    before = store.get("a")
    report = store.upsert_many([_entry("a", answer="新的答案。"), _entry("b")], "sheet")
    assert report.updated == ["a"] and report.unchanged == ["b"]
    after = store.get("a")
    assert after.answer == "新的答案。"
    assert after.updated_at > before.updated_at
    assert store.count() == 2


def test_retire_missing_retires_rows_the_source_dropped_and_brings_them_back(store):
    store.upsert_many([_entry("a"), _entry("b")], "sheet")
    report = store.upsert_many([_entry("a")], "sheet", retire_missing=True)
    assert report.retired == ["b"]
    assert store.get("b").status == "retired"
    back = store.upsert_many([_entry("a"), _entry("b")], "sheet", retire_missing=True)
    assert back.updated == ["b"] and store.get("b").status == "published"


def test_retired_entries_are_not_published_and_stay_retired_on_reimport(store):
    store.upsert_many([_entry("a"), _entry("b")], "sheet")
    store.set_status("a", "retired")
    assert [e.id for e in store.published_entries()] == ["b"]
    report = store.upsert_many([_entry("a"), _entry("b")], "sheet")
    assert report.unchanged == ["a", "b"]
    assert store.get("a").status == "retired"
    store.set_status("a", "published")
    assert [e.id for e in store.published_entries()] == ["a", "b"]


def test_published_entries_filter_by_validity_date(store):
    store.upsert_many(
        [
            _entry("open"),
            _entry("expired", valid_to="2025-12-31"),
            _entry("future", valid_from="2027-01-01"),
            _entry("draft", status="draft"),
        ],
        "sheet",
    )
    assert [e.id for e in store.published_entries()] == ["expired", "future", "open"]
    assert [e.id for e in store.published_entries(on=date(2026, 6, 1))] == ["open"]
    assert [e.id for e in store.published_entries(on=date(2025, 12, 31))] == ["expired", "open"]


def test_list_filters_and_counts(store):
    store.upsert_many([_entry("a", kind="policy"), _entry("b", region="温县"), _entry("c", status="draft")], "sheet")
    assert [e.id for e in store.list(kind="policy")] == ["a"]
    assert [e.id for e in store.list(region="温县")] == ["b"]
    assert [e.id for e in store.list(region="")] == ["a", "c"]
    assert [e.id for e in store.list(status="draft")] == ["c"]
    assert store.count(status="published") == 2
    assert [e.id for e in store.list(limit=1, offset=1)] == ["b"]


def test_ids_owned_by_another_source_are_reported_not_overwritten(store):
    store.upsert_many([_entry("a")], "first")
    report = store.upsert_many([_entry("a", answer="别的来源。")], "second")
    assert report.conflicts == ["a"]
    assert store.get("a").answer == "按规定办理。"


def test_duplicate_ids_and_unknown_status_are_rejected(store):
    with pytest.raises(ValueError, match="duplicate id"):
        store.upsert_many([_entry("a"), _entry("a")], "sheet")
    with pytest.raises(ValueError, match="unknown status"):
        store.upsert_many([_entry("a", status="gone")], "sheet")
    with pytest.raises(KeyError):
        store.set_status("nope", "retired")


def test_iter_entries_and_updated_since(store):
    store.upsert_many([_entry(f"e{i:03d}") for i in range(25)], "bulk")
    assert [e.id for e in store.iter_entries(batch_size=7)] == [f"e{i:03d}" for i in range(25)]
    mark = store.get("e000").updated_at
    store.set_status("e005", "retired")
    assert [e.id for e in store.updated_since(mark)] == ["e005"]
    assert store.sources() == {"bulk": 25}


def test_content_hash_ignores_status_and_timestamp():
    entry = _entry("a")
    assert content_hash(entry) == content_hash(replace(entry, status="retired", updated_at="x"))
    assert content_hash(entry) != content_hash(replace(entry, valid_to="2030-01-01"))


def test_large_batch_upsert(store):
    entries = [_entry(f"bulk-{i}") for i in range(1200)]
    assert len(store.upsert_many(entries, "bulk").created) == 1200
    changed = [*entries[:1000], *(replace(e, answer="改。") for e in entries[1000:])]
    report = store.upsert_many(changed, "bulk")
    assert len(report.unchanged) == 1000 and len(report.updated) == 200


# ------------------------------------------------------------------ CLI

runner = CliRunner()
CSV = "编号,标题,问题,答案,部门,有效期\nX-1,测试一,怎么办？|去哪办？,第一条答案。,市测试局,长期\nX-2,测试二,,,,\n"


def test_cli_import_list_retire_sync_and_export(tmp_path, monkeypatch):
    from hotline.cli import app

    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(CSV, encoding="utf-8")

    result = runner.invoke(app, ["kb", "import", str(sheet), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["sources"]["sheet.csv"]["created"] == 1
    assert doc["errors"] == [{"source": "sheet.csv", "row": 3, "reason": "答案为空"}]

    again = json.loads(runner.invoke(app, ["kb", "import", str(sheet), "--json"]).stdout)
    assert again["sources"]["sheet.csv"]["unchanged"] == 1 and again["sources"]["sheet.csv"]["created"] == 0

    listed = json.loads(runner.invoke(app, ["kb", "list", "--json"]).stdout)
    assert listed["total"] == 1 and listed["entries"][0]["id"] == "X-1"

    assert runner.invoke(app, ["kb", "retire", "X-1"]).exit_code == 0
    retired = json.loads(runner.invoke(app, ["kb", "list", "--status", "retired", "--json"]).stdout)
    assert [e["id"] for e in retired["entries"]] == ["X-1"]
    assert runner.invoke(app, ["kb", "retire", "nope"]).exit_code == 1

    synced = runner.invoke(app, ["kb", "sync", "--json"])
    assert synced.exit_code == 0, synced.output
    assert json.loads(synced.stdout)["created"] >= 41 + 45

    out = tmp_path / "export.jsonl"
    assert runner.invoke(app, ["kb", "export", str(out), "--status", "retired"]).exit_code == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == ["X-1"]


def test_cli_rejects_a_bad_mapping(tmp_path, monkeypatch):
    from hotline.cli import app

    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(CSV, encoding="utf-8")
    result = runner.invoke(app, ["kb", "import", str(sheet), "--map", "标题=nonsense"])
    assert result.exit_code == 1
    assert "unknown field" in result.output
