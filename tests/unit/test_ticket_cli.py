"""`hotline tickets sweep|token|migrate`."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml
from typer.testing import CliRunner

from hotline.cli import app
from tickets.lifecycle import WorkOrderLifecycle
from tickets.store import NewWorkOrder, TicketStore
from tickets.tokens import TokenRegistry

runner = CliRunner()


def test_sweep_json_marks_overdue_orders(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    long_ago = datetime.now(timezone.utc) - timedelta(days=30)
    with TicketStore(url, prefix="JZ", clock=lambda: long_ago) as store:
        late = store.create_work_order(NewWorkOrder(kind="投诉", description="井盖丢失", department="市城管局"))
        WorkOrderLifecycle(store).assign(late.number, "市城管局", actor="agent:1")
    first = runner.invoke(app, ["tickets", "sweep", "--json"])
    assert first.exit_code == 0, first.output
    doc = json.loads(first.stdout)
    assert doc["supervised"] == [late.number] and doc["overdue"][0]["newly_supervised"] is True
    second = json.loads(runner.invoke(app, ["tickets", "sweep", "--json"]).stdout)
    assert second["supervised"] == [] and [o["number"] for o in second["overdue"]] == [late.number]
    text = runner.invoke(app, ["tickets", "sweep"])
    assert "超时未答复 1 件" in text.stdout


def test_token_issue_and_revoke(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    issued = runner.invoke(app, ["tickets", "token", "城管局"])  # an alias of 市城管局
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[-1]
    stored = (tmp_path / "department_tokens.yaml").read_text(encoding="utf-8")
    assert token not in stored and yaml.safe_load(stored)["tokens"][0]["name"] == "市城管局"
    city = Path(__file__).resolve().parents[2] / "cities" / "jiaozuo"
    who = TokenRegistry.load(city, tmp_path).identify(token)
    assert who is not None and (who.kind, who.name) == ("department", "市城管局")
    assert runner.invoke(app, ["tickets", "token", "火星局"]).exit_code == 1
    agent = runner.invoke(app, ["tickets", "token", "坐席07", "--agent"]).stdout.strip().splitlines()[-1]
    assert TokenRegistry.load(city, tmp_path).identify(agent).kind == "agent"
    assert runner.invoke(app, ["tickets", "token", "城管局", "--revoke"]).exit_code == 0
    assert TokenRegistry.load(city, tmp_path).identify(token) is None


def test_committed_token_file_holds_no_tokens() -> None:
    city = Path(__file__).resolve().parents[2] / "cities" / "jiaozuo"
    raw = yaml.safe_load((city / "department_tokens.yaml").read_text(encoding="utf-8"))
    for entry in raw.get("tokens") or []:
        assert set(entry) <= {"kind", "name", "sha256", "issued_at", "revoked"}
        assert len(entry["sha256"]) == 64


def test_migrate_command(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    from tickets.migrate import head_revision

    result = runner.invoke(app, ["tickets", "migrate"])
    assert result.exit_code == 0 and head_revision() in result.stdout
