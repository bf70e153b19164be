"""The web app's public side: chat relay, conversation cookies, public lookup, errors, headers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from settings import Settings
from tests.unit.fake_rasa import PHONE, FakeRasa, running_fake_rasa
from tickets.store import NewWorkOrder, TicketStore
from webapp import conversations


@pytest.fixture()
def rasa() -> Iterator[str]:
    with running_fake_rasa() as url:
        yield url


def _client(tmp_path, rasa_url: str = "http://127.0.0.1:9", **values: object) -> TestClient:
    """The app on its own settings (a database and var directory under tmp_path); port 9: nothing listens there."""
    from webapp.app import create_app

    settings = Settings.from_values(
        database_url=f"sqlite:///{tmp_path / 'web.db'}", var_dir=tmp_path / "var", rasa_url=rasa_url, **values
    )
    return TestClient(create_app(settings))


@pytest.fixture()
def client(tmp_path) -> Iterator[TestClient]:
    client = _client(tmp_path)
    yield client
    client.app.state.services.close()


def _create(tmp_path, phone: str | None = PHONE) -> str:
    store = TicketStore(f"sqlite:///{tmp_path / 'web.db'}", prefix="JZ")
    order = store.create_work_order(
        NewWorkOrder(
            kind="投诉",
            description="路灯不亮",
            district="温县",
            address="城关镇人民路",
            phone=phone,
            department="市城管局",
            local_government="温县人民政府",
            routing_reason="rule:streetlight",
            needs_review=False,
            conversation_id="c1",
        )
    )
    store.close()
    return order.number


# ------------------------------------------------------------------ public lookup
def test_a_work_order_cannot_be_read_by_number_alone(client: TestClient, tmp_path) -> None:
    number = _create(tmp_path)
    response = client.get(f"/api/tickets/{number}")
    assert response.status_code in (404, 405)
    assert PHONE not in response.text and "城关镇人民路" not in response.text


def test_lookup_with_the_phone_s_last_four_digits_shows_progress_without_personal_data(client, tmp_path) -> None:
    number = _create(tmp_path)
    response = client.post("/api/tickets/lookup", json={"number": number.lower(), "phone_last4": PHONE[-4:]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["number"] == number and body["status"] == "已受理" and body["department"] == "市城管局"
    for secret in (PHONE, "城关镇人民路", "路灯不亮", "c1"):
        assert secret not in response.text
    assert set(body) == {
        "number",
        "reference",
        "kind",
        "status",
        "department",
        "created_at",
        "updated_at",
        "due_at",
        "reply",
        "replied_at",
    }


def test_unknown_number_and_wrong_digits_get_the_same_answer(client: TestClient, tmp_path) -> None:
    number = _create(tmp_path)
    wrong = client.post("/api/tickets/lookup", json={"number": number, "phone_last4": "0000"})
    unknown = client.post("/api/tickets/lookup", json={"number": "JZ20990101-0001", "phone_last4": "5678"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    assert "后四位" in wrong.json()["message"]


def test_guessing_the_last_four_digits_locks_the_order(tmp_path) -> None:
    client = _client(tmp_path, lookup_rate="1000/60", lookup_failures="5/3600")
    number = _create(tmp_path)
    codes = [
        client.post("/api/tickets/lookup", json={"number": number, "phone_last4": f"{i:04d}"}).status_code
        for i in range(6)
    ]
    assert codes == [404] * 5 + [429]
    right = client.post("/api/tickets/lookup", json={"number": number, "phone_last4": PHONE[-4:]})
    assert right.status_code == 429 and "Retry-After" in right.headers


def test_enumerating_numbers_from_one_client_is_rate_limited(tmp_path) -> None:
    client = _client(tmp_path, lookup_rate="10/60")
    codes = [
        client.post("/api/tickets/lookup", json={"number": f"JZ20261207-{i:04d}", "phone_last4": "1234"}).status_code
        for i in range(1, 13)
    ]
    assert codes[:10] == [404] * 10 and codes[10:] == [429, 429]


def test_an_order_without_a_phone_cannot_be_looked_up_online(client: TestClient, tmp_path) -> None:
    number = _create(tmp_path, phone=None)
    response = client.post("/api/tickets/lookup", json={"number": number, "phone_last4": "0000"})
    assert response.status_code == 404 and "12345" in response.json()["message"]


# ------------------------------------------------------------------ chat
def test_chat_says_so_in_chinese_when_the_assistant_is_down(client: TestClient) -> None:
    response = client.post("/api/chat", json={"message": "你好"})
    assert response.status_code == 503
    assert response.json()["error"] == "assistant_unavailable" and "12345" in response.json()["message"]


def test_an_emergency_is_answered_even_when_the_assistant_is_down(client: TestClient) -> None:
    response = client.post("/api/chat", json={"message": "着火了，楼道里全是烟"})
    assert response.status_code == 200
    reply = response.json()["replies"][0]
    assert "119" in reply["text"] and reply["custom"]["emergency"]["number"] == "119"


def test_an_emergency_is_answered_when_the_assistant_is_too_slow(tmp_path, rasa) -> None:
    import time

    client = _client(tmp_path, rasa)
    FakeRasa.delay = 5.0
    started = time.monotonic()
    response = client.post("/api/chat", json={"message": "有人拿刀砍人了"})
    assert time.monotonic() - started < 4.5
    assert "110" in response.json()["replies"][0]["text"]


def test_the_server_issues_the_conversation_id_and_ignores_the_browser_s(tmp_path, rasa) -> None:
    client = _client(tmp_path, rasa)
    first = client.post("/api/chat", json={"message": "你好", "sender": "victim-conversation"})
    assert first.status_code == 200
    cookie = first.cookies.get(conversations.COOKIE_NAME)
    assert (
        cookie and "HttpOnly" in first.headers["set-cookie"] and "samesite=lax" in first.headers["set-cookie"].lower()
    )
    client.post("/api/chat", json={"message": "在吗"})
    senders = [body["sender"] for body in FakeRasa.received]
    assert senders[0] != "victim-conversation" and senders[0].startswith("web-")
    assert senders[0] == senders[1]  # the cookie binds the second message to the same conversation


def test_a_forged_conversation_cookie_starts_a_new_conversation(tmp_path, rasa) -> None:
    client = _client(tmp_path, rasa)
    client.cookies.set(conversations.COOKIE_NAME, "web-victim.forgedsignature", path="/api/")
    client.post("/api/chat", json={"message": "你好"})
    assert FakeRasa.received[0]["sender"] != "web-victim"


def test_the_hand_off_summary_never_goes_back_into_the_channel(tmp_path, rasa) -> None:
    client = _client(tmp_path, rasa)
    response = client.post("/api/chat", json={"message": "转人工"})
    assert response.status_code == 200
    assert PHONE not in response.text and "塔南路" not in response.text
    reply = response.json()["replies"][0]
    assert reply["custom"] == {"handoff": {"queued": True}} and "recipient_id" not in reply


def test_chat_is_rate_limited_per_conversation(tmp_path, rasa) -> None:
    client = _client(tmp_path, rasa, chat_rate="3/60")
    codes = [client.post("/api/chat", json={"message": f"第{i}句"}).status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]


# ------------------------------------------------------------------ bad input
def test_empty_message_is_rejected(client: TestClient) -> None:
    response = client.post("/api/chat", json={"message": ""})
    assert response.status_code == 422 and response.json()["error"] == "invalid_request"


def test_control_characters_only_count_as_empty(client: TestClient) -> None:
    assert client.post("/api/chat", json={"message": "\x00\x07 \u200b"[:3]}).status_code == 422


def test_a_lone_surrogate_gets_a_clear_message_not_a_500(tmp_path, rasa) -> None:
    client = _client(tmp_path, rasa)
    response = client.post(
        "/api/chat",
        content=b'{"message": "\\ud800\xe4\xbd\xa0\xe5\xa5\xbd"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert "无法识别的字符" in response.json()["message"]
    assert FakeRasa.received == []


def test_a_huge_body_is_refused_at_the_edge_and_not_echoed(client: TestClient) -> None:
    body = json.dumps({"message": "投诉" * 200_000})
    response = client.post("/api/chat", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large" and len(response.content) < 500


def test_validation_errors_do_not_echo_the_input(client: TestClient) -> None:
    message = f"我的电话{PHONE}" * 200  # over the 2,000-character limit
    response = client.post("/api/chat", json={"message": message})
    assert response.status_code == 422
    assert PHONE not in response.text and len(response.content) < 500


def test_malformed_json_gets_the_json_error_contract(client: TestClient) -> None:
    response = client.post("/api/chat", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and set(response.json()) == {"error", "message"}


def test_unknown_paths_get_the_json_error_contract(client: TestClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


# ------------------------------------------------------------------ pages and headers
def test_chat_page_is_served_in_chinese_with_security_headers(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "12345" in page.text and 'lang="zh-CN"' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'self'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "SAMEORIGIN"


def test_api_answers_are_not_cached_or_framed(client: TestClient) -> None:
    response = client.post("/api/chat", json={"message": ""})
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"


def test_api_docs_are_off_unless_configured(tmp_path) -> None:
    assert _client(tmp_path).get("/openapi.json").status_code == 404
    assert _client(tmp_path).get("/docs").status_code == 404
    assert _client(tmp_path, api_docs=True).get("/openapi.json").status_code == 200


def test_the_session_secret_is_kept_private(tmp_path) -> None:
    _client(tmp_path).post("/api/chat", json={"message": "你好"})
    secret = tmp_path / "var" / "session_secret"
    assert secret.exists() and secret.stat().st_mode & 0o077 == 0


def test_a_turn_the_assistant_left_unanswered_gets_a_clear_message(tmp_path, rasa) -> None:
    client = _client(tmp_path, rasa)
    FakeRasa.silent = True  # Rasa's answer when the action server died during the turn: []
    try:
        replies = client.post("/api/chat", json={"message": "对"}).json()["replies"]
    finally:
        FakeRasa.silent = False
    assert len(replies) == 1 and "再说一遍" in replies[0]["text"] and "12345" in replies[0]["text"]
