"""The web app's API: work-order lookup, chat relay errors, the chat page."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tickets.store import NewWorkOrder, TicketStore


@pytest.fixture()
def client(tmp_path, monkeypatch) -> TestClient:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'web.db'}")
    monkeypatch.setenv("HOTLINE_RASA_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    from webapp import app as webapp_module

    webapp_module._store.cache_clear()
    yield TestClient(webapp_module.app)
    webapp_module._store.cache_clear()


def _create(tmp_path) -> str:
    store = TicketStore(f"sqlite:///{tmp_path / 'web.db'}", prefix="JZ")
    order = store.create_work_order(
        NewWorkOrder(kind="投诉", description="路灯不亮", district="温县", address="城关镇人民路",
                     phone="13912345678", department="市城管局", local_government="温县人民政府",
                     routing_reason="rule:streetlight", needs_review=False, conversation_id="c1")
    )
    return order.number


def test_ticket_lookup_returns_order_and_events(client: TestClient, tmp_path) -> None:
    number = _create(tmp_path)
    body = client.get(f"/api/tickets/{number.lower()}").json()
    assert body["number"] == number
    assert body["status"] == "已受理"
    assert body["department"] == "市城管局"
    assert len(body["events"]) == 1


def test_unknown_ticket_gets_a_chinese_404(client: TestClient) -> None:
    response = client.get("/api/tickets/JZ20990101-0001")
    assert response.status_code == 404
    assert "没有查到工单" in response.json()["detail"]


def test_chat_says_so_in_chinese_when_the_assistant_is_down(client: TestClient) -> None:
    response = client.post("/api/chat", json={"sender": "s1", "message": "你好"})
    assert response.status_code == 503
    assert "12345" in response.json()["detail"]


def test_empty_message_is_rejected(client: TestClient) -> None:
    assert client.post("/api/chat", json={"sender": "s1", "message": ""}).status_code == 422


def test_chat_page_is_served_in_chinese(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "12345" in page.text and 'lang="zh-CN"' in page.text
