"""The agents' side of personal data: the hand-off queue, redaction through the API (work order and
Rasa's tracker store alike) and the access log, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, select

from settings import Settings
from tests.unit.ticket_backends import complaint
from tickets.handoffs import HandoffQueue
from tickets.retention import TRACKER_EVENTS, _tracker_metadata
from tickets.store import TicketStore
from webapp import deps
from webapp.app import create_app

DEPARTMENT, AGENT = "dept-" + "d" * 40, "agent-" + "a" * 40
PHONE = "13812345678"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tracker_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = create_engine(url)
    _tracker_metadata.create_all(engine)
    with engine.begin() as connection:
        for sender in ("caller-7", "someone-else"):
            connection.execute(
                insert(TRACKER_EVENTS).values(
                    sender_id=sender, type_name="user", timestamp=1.0, data=json.dumps({"text": f"电话{PHONE}"})
                )
            )
    engine.dispose()
    return url


@pytest.fixture
def api(store: TicketStore, tmp_path: Path, tracker_url: str):
    settings = Settings.from_values(
        var_dir=tmp_path / "var",
        sweep_interval_seconds=0,
        tracker_db_url=tracker_url,
        department_tokens=json.dumps({"市城管局": DEPARTMENT}),
        agent_tokens=json.dumps({"坐席01": AGENT}),
    )
    app = create_app(settings)
    app.dependency_overrides[deps.ticket_store] = lambda: store
    yield TestClient(app)


def test_agents_read_the_hand_off_queue_and_the_read_is_logged(api: TestClient, store: TicketStore) -> None:
    queue = HandoffQueue(store)
    first = queue.enqueue("caller-7", "rest", {"slots": {"phone": PHONE, "location": "民主路8号"}})
    assert api.get("/api/agent/handoffs", headers=bearer(DEPARTMENT)).status_code == 403
    waiting = api.get("/api/agent/handoffs", headers=bearer(AGENT)).json()
    assert [item["id"] for item in waiting] == [first] and waiting[0]["summary"]["slots"]["phone"] == PHONE
    taken = api.post(f"/api/agent/handoffs/{first}/take", headers=bearer(AGENT)).json()
    assert taken["status"] == "taken" and taken["taken_by"] == "agent:坐席01"
    assert api.get("/api/agent/handoffs", headers=bearer(AGENT)).json() == []
    assert {entry.actor for entry in store.access_log(f"handoff-{first}")} == {"agent:坐席01"}


def test_redaction_clears_the_order_and_the_conversation(api: TestClient, store: TicketStore, tracker_url: str) -> None:
    number = store.create_work_order(complaint(conversation_id="caller-7")).number
    response = api.post(
        f"/api/agent/work-orders/{number}/redact", headers=bearer(AGENT), json={"reason": "来电人申请删除个人信息"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["phone"] is None and body["address"] is None and PHONE not in response.text
    assert body["events"][-1]["action"] == "信息删除"
    engine = create_engine(tracker_url)
    with engine.connect() as connection:
        senders = [row.sender_id for row in connection.execute(select(TRACKER_EVENTS.c.sender_id))]
    engine.dispose()
    assert senders == ["someone-else"]
    again = api.post(f"/api/agent/work-orders/{number}/redact", headers=bearer(AGENT), json={"reason": "重复申请"})
    assert again.status_code == 200 and [e["action"] for e in again.json()["events"]].count("信息删除") == 1


def test_the_access_log_says_who_read_an_order(api: TestClient, store: TicketStore) -> None:
    number = store.create_work_order(complaint()).number
    api.get(f"/api/agent/work-orders/{number}", headers=bearer(AGENT))
    log = api.get(f"/api/agent/work-orders/{number}/access-log", headers=bearer(AGENT)).json()
    assert [(entry["actor"], entry["purpose"]) for entry in log] == [("agent:坐席01", "工单详情")]
    assert api.get("/api/agent/work-orders/JZ20990101-0001/access-log", headers=bearer(AGENT)).status_code == 404
