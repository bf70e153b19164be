"""`hotline tickets sweep|token|migrate`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from typer.testing import CliRunner

from hotline.cli import app
from tickets.lifecycle import WorkOrderLifecycle
from tickets.store import NewWorkOrder, TicketStore
from tickets.tokens import FILE_NAME, TokenRegistry

runner = CliRunner()


def test_sweep_json_marks_overdue_orders(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    long_ago = datetime.now(UTC) - timedelta(days=30)
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
    tokens_file = tmp_path / FILE_NAME
    who = TokenRegistry.load(city, tokens_file).identify(token)
    assert who is not None and (who.kind, who.name) == ("department", "市城管局")
    assert runner.invoke(app, ["tickets", "token", "火星局"]).exit_code == 1
    agent = runner.invoke(app, ["tickets", "token", "坐席07", "--agent"]).stdout.strip().splitlines()[-1]
    assert TokenRegistry.load(city, tokens_file).identify(agent).kind == "agent"
    assert runner.invoke(app, ["tickets", "token", "城管局", "--revoke"]).exit_code == 0
    assert TokenRegistry.load(city, tokens_file).identify(token) is None


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


def _closed_order(url: str, when: datetime, description: str = "楼道堆放杂物") -> str:
    with TicketStore(url, prefix="JZ", clock=lambda: when) as store:
        order = store.create_work_order(
            NewWorkOrder(
                kind="投诉",
                description=description,
                address="焦东路88号",
                phone="13812345678",
                department="市城管局",
                conversation_id=f"conv-{description}",
            )
        )
        WorkOrderLifecycle(store).close(order.number, actor="agent:1", note="当场答复")
        return order.number


def test_redact_command(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    number = _closed_order(url, datetime.now(UTC))
    assert runner.invoke(app, ["tickets", "redact", number]).exit_code != 0  # --reason is required
    result = runner.invoke(
        app, ["tickets", "redact", number.lower(), "--reason", "来电人申请删除", "--actor", "agent:07"]
    )
    assert result.exit_code == 0, result.output
    assert f"已删除工单{number}的个人信息" in result.stdout
    with TicketStore(url, prefix="JZ") as store:
        order = store.get(number)
        assert order.phone is None and order.redacted_at is not None
        event = store.events(number)[-1]
        assert (event.action, event.actor, event.note) == ("信息删除", "agent:07", "来电人申请删除")
        reference = order.public_ref
    again = runner.invoke(app, ["tickets", "redact", reference, "--reason", "再次申请", "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) | {"redacted_at": None} == {
        "number": number,
        "redacted_at": None,
        "already_redacted": True,
        "conversation_events_deleted": 0,
    }
    missing = runner.invoke(app, ["tickets", "redact", "JZ20990101-0001", "--reason", "x", "--json"])
    assert missing.exit_code == 1 and json.loads(missing.stdout)["error"] == "not_found"


def test_purge_command(tmp_path: Path, monkeypatch) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    now = datetime.now(UTC)
    old = _closed_order(url, now - timedelta(days=40), "四十天前办结")
    recent = _closed_order(url, now - timedelta(days=5), "五天前办结")
    tracker = tmp_path / "rasa_tracker.db"
    with sqlite3.connect(tracker) as raw:
        raw.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
            "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
            "action_name VARCHAR(255), data TEXT)"
        )
        for sender, age in (("old", 40), ("old", 35), ("new", 1)):
            raw.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, '{}')",
                (sender, (now - timedelta(days=age)).timestamp()),
            )

    monkeypatch.setenv("HOTLINE_RETENTION_DAYS", "30")
    result = runner.invoke(app, ["tickets", "purge", "--tracker-db", f"sqlite:///{tracker}", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["days"] == 30 and doc["redacted"] == [old]
    assert doc["tracker"] == {"conversations": 1, "events": 2}

    text = runner.invoke(app, ["tickets", "purge", "--days", "3"])  # --days wins over the variable
    assert text.exit_code == 0, text.output
    assert "保存期限 3 天" in text.stdout and recent in text.stdout
    monkeypatch.setenv("HOTLINE_RETENTION_DAYS", "一年")
    assert runner.invoke(app, ["tickets", "purge"]).exit_code == 1
    assert runner.invoke(app, ["tickets", "purge", "--days", "0"]).exit_code == 1


def test_purge_defaults_to_a_year(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("HOTLINE_RETENTION_DAYS", raising=False)
    result = runner.invoke(app, ["tickets", "purge", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["days"] == 365 and json.loads(result.stdout)["tracker"] is None


def test_show_accepts_the_reference_and_is_access_logged(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    number = _closed_order(url, datetime.now(UTC))
    with TicketStore(url, prefix="JZ") as store:
        reference = store.get(number).public_ref
    result = runner.invoke(app, ["tickets", "show", reference.lower(), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["number"] == number
    with TicketStore(url, prefix="JZ") as store:
        (entry,) = store.access_log(number)
        assert entry.actor.startswith("cli:") and "show" in entry.purpose
