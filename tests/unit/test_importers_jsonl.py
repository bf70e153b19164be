"""The JSONL importer: entry-shaped lines, spreadsheet-like keys, mapping, bad lines."""

from __future__ import annotations

import json
from pathlib import Path

from knowledge_base.entry import KnowledgeEntry, Source
from knowledge_base.importers.jsonl import import_jsonl


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "kb.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_exported_entries_round_trip(tmp_path):
    entry = KnowledgeEntry(
        id="policy-demo-1",
        title="示例政策：一、",
        answer="示例内容。",
        kind="policy",
        source=Source(
            title="示例办法", doc_number="焦示〔2024〕1号", issuer="示例局", date="2024-01-01", section="一、"
        ),
        questions=("问？",),
        valid_from="2024-01-01",
        valid_to="2025-12-31",
        status="draft",
        keywords=("示例",),
        category="政策",
        region="温县",
    )
    result = import_jsonl(_write(tmp_path, [json.dumps(entry.to_dict(), ensure_ascii=False)]))
    assert result.errors == []
    assert result.entries == [entry]


def test_question_answer_lines_and_bad_lines(tmp_path):
    lines = [
        json.dumps({"id": 7, "question": "示例问题一？", "answer": "示例回答一。"}, ensure_ascii=False),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"question": "没有回答？"}, ensure_ascii=False),
        json.dumps(
            {"question": "示例问题二？", "answer": "示例回答二。", "valid_to": "2025年6月30日"}, ensure_ascii=False
        ),
        "",
        json.dumps({"question": "示例问题二？", "answer": "重复。"}, ensure_ascii=False),
    ]
    result = import_jsonl(_write(tmp_path, lines), source_name="demo")
    assert [e.title for e in result.entries] == ["示例问题一？", "示例问题二？"]
    assert result.entries[0].questions == ("示例问题一？",)
    assert result.entries[0].id.endswith("-7")
    assert result.entries[1].valid_to == "2025-06-30"
    assert [e.row for e in result.errors] == [2, 3, 4, 7]
    assert "JSON" in result.errors[0].reason and "no answer column" in result.errors[2].reason


def test_mapping_for_jsonl_keys(tmp_path):
    line = json.dumps({"q": "示例？", "a": "示例答。", "dept": "市示例局"}, ensure_ascii=False)
    result = import_jsonl(_write(tmp_path, [line]), mapping={"q": "title", "a": "answer", "dept": "department"})
    assert result.errors == []
    assert (result.entries[0].title, result.entries[0].department) == ("示例？", "市示例局")
