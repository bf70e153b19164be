"""The `hotline` command-line tool."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hotline.cli import app
from settings import load_settings
from tickets.store import NewWorkOrder, TicketStore

runner = CliRunner()
GAZETTE = """焦作市人民政府办公室 关于印发测试工作方案的通知

焦政办〔2024〕99号

一、工作目标

到2025年底，全市政务服务事项全部实现网上可办，办理时限压缩一半以上，群众满意度明显提升。

二、保障措施

牵头单位：市行政审批政务信息管理局。各县（市、区）要明确专人负责，按月报送工作进展情况，确保各项任务落地见效。

焦作市人民政府办公室
2024年9月24日
"""


def test_kb_import_writes_entries_with_document_number(tmp_path) -> None:
    doc = tmp_path / "gazette.txt"
    doc.write_text(GAZETTE, encoding="utf-8")
    out = tmp_path / "policies.jsonl"
    result = runner.invoke(app, ["kb", "import", str(doc), "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows and all(row["source"]["doc_number"] == "焦政办〔2024〕99号" for row in rows)


def test_kb_import_of_a_missing_file_fails_clearly(tmp_path) -> None:
    result = runner.invoke(app, ["kb", "import", str(tmp_path / "nope.txt")])
    assert result.exit_code == 1
    assert "File not found" in result.output


def test_kb_search_json_is_one_document_with_sources() -> None:
    if not (load_settings().index_dir / "meta.json").exists():
        pytest.fail("knowledge index not built: run `make setup`")
    result = runner.invoke(app, ["kb", "search", "开饭店要办什么证", "--top-k", "3", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["decision"] == "answer"
    assert len(doc["hits"]) == 3
    assert doc["hits"][0]["source"]["title"]
    assert doc["hits"][0]["score"] >= doc["hits"][1]["score"]


def test_tickets_show_json_and_unknown_number(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    order = TicketStore(url, prefix="JZ").create_work_order(
        NewWorkOrder(
            kind="求助",
            description="小区停水两天了",
            district="解放区",
            address="民主路",
            phone="13912345678",
            department="水务公司",
            local_government=None,
            routing_reason="rule:water",
            needs_review=False,
            conversation_id="cli-1",
        )
    )
    result = runner.invoke(app, ["tickets", "show", order.number, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["number"] == order.number and doc["department"] == "水务公司"
    assert doc["events"][0]["to_status"] == "已受理"

    missing = runner.invoke(app, ["tickets", "show", "JZ20990101-0001", "--json"])
    assert missing.exit_code == 1
    assert json.loads(missing.stdout)["error"] == "not_found"


def test_eval_reference_says_what_is_wrong_with_its_dataset(tmp_path) -> None:
    missing = runner.invoke(
        app, ["eval", "reference", "--dataset", str(tmp_path / "nope.jsonl"), "--label-field", "type"]
    )
    assert missing.exit_code == 1 and "not found" in " ".join(missing.output.split())
    one_label = tmp_path / "one.jsonl"
    one_label.write_text(
        "\n".join(json.dumps({"text": f"路灯不亮第{i}次", "type": "投诉"}, ensure_ascii=False) for i in range(4)),
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["eval", "reference", "--dataset", str(one_label), "--label-field", "type", "--no-with-e5"]
    )
    assert result.exit_code == 1 and "fewer than two labels" in " ".join(result.output.split())


def test_eval_reference_json_reports_each_feature_set(tmp_path) -> None:
    rows = [{"text": f"请问办理居住证需要什么材料{i}", "type": "咨询"} for i in range(6)]
    rows += [{"text": f"投诉楼下烧烤油烟太大{i}", "type": "投诉"} for i in range(6)]
    data = tmp_path / "two.jsonl"
    data.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "eval",
            "reference",
            "--dataset",
            str(data),
            "--label-field",
            "type",
            "--folds",
            "3",
            "--no-with-e5",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["messages"] == 12 and [row["features"] for row in doc["rows"]] == ["chars"]
    assert doc["rows"][0]["macro_f1"] == 1.0
