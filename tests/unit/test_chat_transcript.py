"""The chat transcript (issue 18): kept by the server, restored only with the conversation's token,
and a message sent again with the same client id is answered once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient

from settings import Settings
from tests.unit.fake_rasa import PHONE, FakeRasa, running_fake_rasa
from tickets.store import EventView
from webapp import chat
from webapp.public_timeline import public_timeline, with_timeline
from webapp.transcripts import MIGRATIONS, Base, TranscriptStore


def _client(tmp_path, rasa_url: str) -> TestClient:
    from webapp.app import create_app

    settings = Settings.from_values(
        database_url=f"sqlite:///{tmp_path / 'web.db'}", var_dir=tmp_path / "var", rasa_url=rasa_url
    )
    return TestClient(create_app(settings))


# ------------------------------------------------------------------ the store
def test_the_migration_gives_exactly_the_model_s_schema(db_url: str) -> None:
    store = TranscriptStore(db_url)
    with store.engine.connect() as connection:
        assert MIGRATIONS.current_revision(connection) == MIGRATIONS.head_revision()
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": MIGRATIONS.version_table}
        )
        assert compare_metadata(context, Base.metadata) == []
    store.close()


def test_a_retried_message_finds_its_first_attempt_and_replies(db_url: str) -> None:
    store = TranscriptStore(db_url)
    first = store.begin_turn("web-a", "你好", "cid-00000001", stale_after=60)
    assert first.new and first.replies is None
    assert store.begin_turn("web-a", "你好", "cid-00000001", stale_after=60).in_progress
    store.finish_turn("web-a", first.message_id, [{"text": "您好"}])
    again = store.begin_turn("web-a", "你好", "cid-00000001", stale_after=60)
    assert not again.new and again.replies is not None and again.replies[0].body == {"text": "您好"}
    # The same client id in another conversation is another message.
    assert store.begin_turn("web-b", "你好", "cid-00000001", stale_after=60).new
    assert [m.role for m in store.history("web-a")] == ["user", "bot"]
    store.close()


def test_an_abandoned_or_stale_attempt_is_relayed_again(db_url: str) -> None:
    now = [datetime(2026, 12, 7, 8, 0, tzinfo=UTC)]
    store = TranscriptStore(db_url, clock=lambda: now[0])
    turn = store.begin_turn("web-a", "你好", "cid-00000002", stale_after=60)
    store.abandon_turn(turn.message_id)
    assert store.history("web-a") == []
    turn = store.begin_turn("web-a", "你好", "cid-00000002", stale_after=60)
    now[0] += timedelta(seconds=61)
    retried = store.begin_turn("web-a", "你好", "cid-00000002", stale_after=60)
    assert retried.new and retried.message_id == turn.message_id
    store.close()


def test_agent_messages_and_polling_after_an_id(db_url: str) -> None:
    store = TranscriptStore(db_url)
    turn = store.begin_turn("web-a", "转人工", None, stale_after=60)
    (reply,) = store.finish_turn("web-a", turn.message_id, [{"text": "正在转接"}])
    agent = store.add_agent_message("web-a", "您好，我是话务员小李", agent="小李")
    assert [m.as_json()["agent"] for m in store.history("web-a", after=reply.id)] == ["小李"]
    assert agent.as_json()["role"] == "agent"
    assert store.forget_before(datetime.now(UTC) + timedelta(seconds=1)) == 3
    store.close()


# ------------------------------------------------------------------ the API
def test_history_is_restored_with_the_token_and_refused_without_it(tmp_path) -> None:
    with running_fake_rasa() as rasa:
        client = _client(tmp_path, rasa)
        answer = client.post("/api/chat", json={"message": "你好", "client_id": "cid-10000001"}).json()
        token = answer["conversation"]["token"]
        assert answer["conversation"]["id"] == FakeRasa.received[0]["sender"]
        stranger = client
        stranger.cookies.clear()  # another browser: only the token proves anything
        restored = stranger.get("/api/chat/history", headers={chat.TOKEN_HEADER: token}).json()
        assert [(m["role"], m["text"]) for m in restored["messages"]] == [
            ("user", "你好"),
            ("bot", "好的，我来帮您看看。"),
        ]
        assert restored["messages"][0]["client_id"] == "cid-10000001"
        client.post("/api/chat", json={"message": "5分", "display": "5星"}, headers={chat.TOKEN_HEADER: token})
        last_said = client.get("/api/chat/history", headers={chat.TOKEN_HEADER: token}).json()["messages"][-2]
        assert (last_said["text"], last_said["display"]) == ("5分", "5星")
        forged = answer["conversation"]["id"] + ".forged"
        refused = stranger.get("/api/chat/history", headers={chat.TOKEN_HEADER: forged})
        assert refused.status_code == 401 and "你好" not in refused.text
        assert stranger.get("/api/chat/history").status_code == 401


def test_a_resent_message_is_answered_from_the_transcript_not_twice(tmp_path) -> None:
    with running_fake_rasa() as rasa:
        client = _client(tmp_path, rasa)
        first = client.post("/api/chat", json={"message": "你好", "client_id": "cid-20000001"}).json()
        again = client.post("/api/chat", json={"message": "你好", "client_id": "cid-20000001"}).json()
        assert len(FakeRasa.received) == 1
        assert again["replayed"] and again["replies"] == first["replies"] and again["reply_ids"] == first["reply_ids"]


def test_the_token_header_works_without_the_cookie_as_in_an_embedded_widget(tmp_path) -> None:
    with running_fake_rasa() as rasa:
        client = _client(tmp_path, rasa)
        token = client.post("/api/chat", json={"message": "你好"}).json()["conversation"]["token"]
        stranger = client
        stranger.cookies.clear()
        stranger.post("/api/chat", json={"message": "在吗"}, headers={chat.TOKEN_HEADER: token})
        assert FakeRasa.received[0]["sender"] == FakeRasa.received[1]["sender"]


def test_a_failed_turn_is_not_kept_and_the_hand_off_summary_never_is(tmp_path) -> None:
    client = _client(tmp_path, "http://127.0.0.1:9")
    down = client.post("/api/chat", json={"message": "你好", "client_id": "cid-30000001"})
    assert down.status_code == 503
    with running_fake_rasa() as rasa:
        client.app.state.services.settings = client.app.state.services.settings.model_copy(update={"rasa_url": rasa})
        token = client.post("/api/chat", json={"message": "转人工"}).json()["conversation"]["token"]
        text = client.get("/api/chat/history", headers={chat.TOKEN_HEADER: token}).text
    assert "你好" not in text and PHONE not in text and "塔南路" not in text and "queued" in text


# ------------------------------------------------------------------ the public timeline
def test_the_public_timeline_keeps_steps_and_the_reply_only() -> None:
    at = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    events = [
        EventView(at, "assistant", "受理", None, "已受理", "来电人手机13912345678"),
        EventView(at, "agent:小李", "转办", "已受理", "已转办", "建议城管处理"),
        EventView(at, "dept", "备注", None, None, "内部备注"),
        EventView(at, "caller", "催办", None, None, "怎么还没修"),
        EventView(at, "dept", "签收", "已转办", "办理中", None),
        EventView(at, "dept", "答复", "办理中", "已答复", "路灯已修好"),
    ]
    steps = public_timeline(events)
    assert [s["action"] for s in steps] == ["受理", "转办", "催办", "签收", "答复"]
    assert [s["note"] for s in steps] == [None, None, None, None, "路灯已修好"]
    text = str(steps)
    assert "13912345678" not in text and "小李" not in text and "内部备注" not in text


def test_a_status_reply_gets_its_timeline_and_stands_alone_when_the_store_fails() -> None:
    class Store:
        def events(self, number: str) -> list[EventView]:
            return [EventView(datetime(2026, 12, 7, tzinfo=UTC), "a", "受理", None, "已受理", None)]

    def broken() -> Store:
        raise RuntimeError("database down")

    reply = {"text": "工单……", "custom": {"ticket_status": {"number": "JZ20261207-0001"}}}
    enriched = with_timeline(reply, Store)
    assert enriched["custom"]["ticket_status"]["timeline"][0]["status"] == "已受理"
    assert with_timeline(reply, broken) == reply
    assert with_timeline({"text": "你好"}, broken) == {"text": "你好"}


def test_the_retention_job_deletes_old_chat_messages(tmp_path) -> None:
    from tickets.store import TicketStore
    from webapp import retention_job

    url = f"sqlite:///{tmp_path / 'web.db'}"
    old = TranscriptStore(url, clock=lambda: datetime.now(UTC) - timedelta(days=40))
    old.begin_turn("web-old", "我的电话是13912345678", None, stale_after=60)
    old.close()
    recent = TranscriptStore(url)
    recent.begin_turn("web-new", "你好", None, stale_after=60)
    settings = Settings.from_values(database_url=url, var_dir=tmp_path / "var", retention_days=30)
    with TicketStore(url, prefix="JZ") as store:
        retention_job.run_once(store, settings)
    assert recent.history("web-old") == [] and len(recent.history("web-new")) == 1
    recent.close()


def test_a_payload_rasa_sent_apart_joins_its_text() -> None:
    replies = [
        {"text": "答案", "buttons": [{"title": "是", "payload": "是"}]},
        {"custom": {"knowledge": {"entry_id": "a"}}},
        {"custom": {"other": 1}},
        {"text": "再见"},
    ]
    assert chat.merge_payloads(replies) == [
        {"text": "答案", "buttons": [{"title": "是", "payload": "是"}], "custom": {"knowledge": {"entry_id": "a"}}},
        {"custom": {"other": 1}},
        {"text": "再见"},
    ]


def test_the_card_of_a_filed_order_gets_its_status() -> None:
    class Store:
        def get(self, number: str) -> Any:
            return type("View", (), {"status": "已转办"})()

    reply = {"text": "您的诉求已受理", "custom": {"work_order": {"number": "JZ20261207-0001", "kind": "投诉"}}}
    assert with_timeline(reply, Store)["custom"]["work_order"]["status"] == "已转办"
    pending = {"text": "已记录", "custom": {"work_order": {"reference": "ABCD2345", "pending": True}}}
    assert with_timeline(pending, Store) == pending


# ------------------------------------------------------------------ agents
AGENT, OTHER = "agent-" + "a" * 40, "agent-" + "b" * 40


def _agent_client(tmp_path) -> TestClient:
    import json

    from webapp.app import create_app

    settings = Settings.from_values(
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        var_dir=tmp_path / "var",
        sweep_interval_seconds=0,
        agent_tokens=json.dumps({"坐席01": AGENT, "坐席02": OTHER}),
    )
    return TestClient(create_app(settings))


def test_the_agent_holding_a_hand_off_reads_and_answers_the_chat(tmp_path) -> None:
    from tickets.handoffs import HandoffQueue
    from tickets.store import TicketStore

    client = _agent_client(tmp_path)
    url = f"sqlite:///{tmp_path / 'web.db'}"
    transcripts = TranscriptStore(url)
    turn = transcripts.begin_turn("web-caller", "转人工", "cid-40000001", stale_after=60)
    transcripts.finish_turn(
        "web-caller", turn.message_id, [{"text": "正在转接", "custom": {"handoff": {"queued": True}}}]
    )
    with TicketStore(url, prefix="JZ") as store:
        handoff = HandoffQueue(store).enqueue("web-caller", "chat", {"topic": "工资"})
    auth = {"Authorization": f"Bearer {AGENT}"}
    path = f"/api/agent/handoffs/{handoff}/messages"
    assert client.get(path, headers=auth).status_code == 409  # not taken yet
    assert client.post(f"/api/agent/handoffs/{handoff}/take", headers=auth).status_code == 200
    read = client.get(path, headers=auth).json()
    assert [m["text"] for m in read["messages"]] == ["转人工", "正在转接"]
    sent = client.post(path, headers=auth, json={"text": "您好，我是坐席小王"})
    assert sent.status_code == 200 and sent.json()["role"] == "agent"
    assert transcripts.history("web-caller")[-1].body == {"text": "您好，我是坐席小王", "agent": "坐席01"}
    other = {"Authorization": f"Bearer {OTHER}"}
    assert client.post(path, headers=other, json={"text": "插话"}).status_code == 409
    assert client.get(path).status_code == 401
    assert client.get("/api/agent/handoffs/999/messages", headers=auth).status_code == 404
    transcripts.close()


def test_redaction_on_request_removes_the_chat_transcript_too(tmp_path) -> None:
    from tickets.store import NewWorkOrder, TicketStore

    client = _agent_client(tmp_path)
    url = f"sqlite:///{tmp_path / 'web.db'}"
    transcripts = TranscriptStore(url)
    transcripts.begin_turn("web-caller", "我的电话13912345678", None, stale_after=60)
    transcripts.begin_turn("web-someone", "你好", None, stale_after=60)
    with TicketStore(url, prefix="JZ") as store:
        number = store.create_work_order(
            NewWorkOrder(kind="投诉", description="路灯不亮", phone="13912345678", conversation_id="web-caller")
        ).number
    response = client.post(
        f"/api/agent/work-orders/{number}/redact",
        headers={"Authorization": f"Bearer {AGENT}"},
        json={"reason": "来电人申请删除个人信息"},
    )
    assert response.status_code == 200, response.text
    assert transcripts.history("web-caller") == [] and len(transcripts.history("web-someone")) == 1
    transcripts.close()


def test_a_forged_token_starts_a_new_conversation_and_reads_nothing(tmp_path) -> None:
    with running_fake_rasa() as rasa:
        client = _client(tmp_path, rasa)
        victim = client.post("/api/chat", json={"message": "我的电话13912345678"}).json()["conversation"]["id"]
        client.cookies.clear()
        forged = {chat.TOKEN_HEADER: f"{victim}.forgedsignature"}
        answer = client.post("/api/chat", json={"message": "你好"}, headers=forged).json()
        assert FakeRasa.received[1]["sender"] != victim and answer["conversation"]["id"] != victim
        # The forger's own cookie now names the forger's new conversation, never the victim's.
        read = client.get("/api/chat/history", headers=forged)
        assert read.json()["conversation_id"] != victim and "13912345678" not in read.text
        client.cookies.clear()
        assert client.get("/api/chat/history", headers=forged).status_code == 401
