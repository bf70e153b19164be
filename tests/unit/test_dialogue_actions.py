"""The custom actions of issue 5, run on hand-built trackers with fake domain services."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import complaint, conversation, handoff, services, ticket_status


def make_tracker(
    text: str = "",
    intent: str = "inform",
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    channel: str = "rest",
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
    user_event = {"event": "user", "text": text, "parse_data": latest, "input_channel": channel}
    return Tracker(
        sender_id="caller-1",
        slots=dict(slots or {}),
        latest_message=latest,
        events=[*(events or []), user_event],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or m.get("response") or "" for m in dispatcher.messages)


@dataclass
class FakeOrder:
    number: str
    status: str = "已受理"
    department: str = "市城管局"
    local_government: str | None = None
    updated_at: datetime = field(default_factory=datetime.now)
    conversation_id: str | None = "caller-1"  # make_tracker's sender: the caller who filed it
    phone: str | None = "13912345678"


class FakeStore:
    def __init__(self) -> None:
        self.orders = {
            "JZ20261122-0001": FakeOrder("JZ20261122-0001"),
            "JZ20261122-0002": FakeOrder("JZ20261122-0002", status="已办结"),
        }
        self.appended: list[tuple] = []
        self.ratings: list[tuple] = []

    def get(self, number: str) -> FakeOrder | None:
        return self.orders.get(number)

    def find_by_reference(self, number: str) -> FakeOrder | None:
        return self.orders.get(number)

    def events(self, number: str) -> list:
        return []

    def append_event(self, number: str, action: str, actor: str, note: str | None = None) -> None:
        self.appended.append((number, action, actor, note))

    def record_satisfaction(self, conversation_id: str, score: int, number: str | None = None) -> None:
        self.ratings.append((conversation_id, score, number))


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> FakeStore:
    fake = FakeStore()
    monkeypatch.setattr(services, "ticket_store", lambda: fake)
    return fake


# ---- the work-order form -------------------------------------------------------------------
def test_the_opening_intent_sets_the_kind_once() -> None:
    form = complaint.ValidateComplaintForm()
    run = lambda tracker: asyncio.run(form.extract_order_kind(CollectingDispatcher(), tracker, {}))  # noqa: E731
    assert run(make_tracker("我要表扬社区网格员", "praise")) == {"order_kind": "表扬"}
    assert run(make_tracker("建议多建停车场", "suggest")) == {"order_kind": "建议"}
    assert run(make_tracker("他们态度很好", "praise", slots={"order_kind": "投诉"})) == {}


def test_praise_and_suggestions_ask_for_no_place() -> None:
    form = complaint.ValidateComplaintForm()
    slots = asyncio.run(form.required_slots([], CollectingDispatcher(), make_tracker(slots={"order_kind": "建议"}), {}))
    assert "location" not in slots and "district" not in slots
    slots = asyncio.run(form.required_slots([], CollectingDispatcher(), make_tracker(slots={"order_kind": "投诉"}), {}))
    assert "location" in slots


def test_then_i_complain_reuses_the_question_before() -> None:
    form = complaint.ValidateComplaintForm()
    earlier = {
        "event": "user",
        "text": "小区门口垃圾堆了一个礼拜没人清",
        "parse_data": {"intent": {"name": "ask_info"}},
    }
    tracker = make_tracker("那我要投诉", "complain", events=[earlier])
    result = asyncio.run(form.extract_complaint_description(CollectingDispatcher(), tracker, {}))
    assert result == {"complaint_description": "小区门口垃圾堆了一个礼拜没人清"}


def test_a_correction_at_the_read_back_asks_again() -> None:
    form = complaint.ValidateComplaintForm()
    tracker = make_tracker(
        "不对，是山阳区",
        "deny",
        slots={"requested_slot": "complaint_confirmed", "district": "山阳区"},
        entities=[{"entity": "district", "value": "山阳区"}],
    )
    assert form.validate_complaint_confirmed(False, CollectingDispatcher(), tracker, {}) == {
        "complaint_confirmed": None,
        "correction_asked": False,
    }


def test_a_bare_no_asks_what_to_change_then_cancels() -> None:
    form = complaint.ValidateComplaintForm()
    dispatcher = CollectingDispatcher()
    first = form.validate_complaint_confirmed(False, dispatcher, make_tracker("不对", "deny"), {})
    assert first == {"complaint_confirmed": None, "correction_asked": True} and "哪一项" in texts(dispatcher)
    second = form.validate_complaint_confirmed(
        False, CollectingDispatcher(), make_tracker("不对", "deny", slots={"correction_asked": True}), {}
    )
    assert second == {"complaint_confirmed": False}


def test_a_corrected_address_replaces_the_location() -> None:
    form = complaint.ValidateComplaintForm()
    tracker = make_tracker(
        "地址错了 是塔北路88号",
        "deny",
        slots={"requested_slot": "complaint_confirmed"},
        entities=[{"entity": "address", "value": "塔北路88号"}],
    )
    assert asyncio.run(form.extract_location(CollectingDispatcher(), tracker, {})) == {"location": "塔北路88号"}


# ---- failures and the human agent --------------------------------------------------------------
def _answered(score: float | None) -> dict[str, Any]:
    data = {"custom": {"knowledge": {"entry_id": "faq-1", "score": score}}} if score else {}
    return {"event": "bot", "text": "…", "data": data}


def test_two_failures_in_a_row_offer_a_human() -> None:
    action = conversation.ActionCheckAnswer()
    user = {"event": "user", "text": "问题", "parse_data": {"intent": {"name": "ask_info"}}}
    tracker = Tracker(
        "c",
        {"failure_count": 1.0},
        {"text": "问题", "intent": {"name": "ask_info"}},
        [user, _answered(None)],
        False,
        None,
        {},
        "action_answer_question",
    )
    dispatcher = CollectingDispatcher()
    slots = slot_values(action.run(dispatcher, tracker, {}))
    assert slots["offered_human"] is True
    assert dispatcher.messages[0]["response"] == "utter_offer_human"


def test_an_answer_resets_the_failures_and_keeps_the_candidates() -> None:
    action = conversation.ActionCheckAnswer()
    user = {"event": "user", "text": "问题", "parse_data": {"intent": {"name": "ask_info"}}}
    tracker = Tracker(
        "c",
        {"failure_count": 1.0},
        {"text": "问题", "intent": {"name": "ask_info"}},
        [user, _answered(0.95)],
        False,
        None,
        {},
        "action_answer_question",
    )
    slots = slot_values(action.run(CollectingDispatcher(), tracker, {}))
    assert slots["failure_count"] == 0.0 and slots["candidate_answers"] == [{"entry_id": "faq-1", "score": 0.95}]


def test_the_handoff_summary_names_topic_slots_entities_and_candidates() -> None:
    earlier = {
        "event": "user",
        "text": "我要投诉 山阳区路灯不亮",
        "parse_data": {"intent": {"name": "complain"}, "entities": [{"entity": "district", "value": "山阳区"}]},
    }
    tracker = make_tracker(
        "转人工",
        "request_human",
        events=[earlier],
        slots={"complaint_description": "路灯不亮", "candidate_answers": [{"entry_id": "faq-9"}]},
    )
    summary = handoff.conversation_summary(tracker)
    assert summary["intent"] == "complain"
    assert summary["slots"]["complaint_description"] == "路灯不亮"
    assert summary["entities"] == {"district": ["山阳区"]}
    assert summary["candidate_answers"] == [{"entry_id": "faq-9"}]
    assert summary["recent_messages"][-1] == "转人工"


# ---- emergencies -------------------------------------------------------------------------------
def test_emergency_gives_the_number_and_stops_the_form() -> None:
    dispatcher = CollectingDispatcher()
    events = conversation.ActionEmergency().run(
        dispatcher, make_tracker("楼下着火了", "emergency", active_loop="complaint_form"), {}
    )
    assert "119" in dispatcher.messages[0]["text"]
    assert dispatcher.messages[0]["custom"]["emergency"]["number"] == "119"
    assert any(e.get("event") == "active_loop" and e.get("name") is None for e in events)


def test_emergency_uses_the_city_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    city = type("City", (), {"emergency_numbers": {"police": "110", "fire": "96119", "medical": "120"}})()
    monkeypatch.setattr(services, "directory", lambda: city)
    dispatcher = CollectingDispatcher()
    conversation.ActionEmergency().run(dispatcher, make_tracker("闻到很大的煤气味", "emergency"), {})
    assert dispatcher.messages[0]["text"].startswith("情况紧急，请立即拨打96119")
    assert dispatcher.messages[0]["custom"]["emergency"] == {"number": "96119", "transfer": "96119"}


def test_emergency_is_answered_when_the_city_data_cannot_be_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise OSError("city.yaml unreadable")

    monkeypatch.setattr(services, "directory", broken)
    dispatcher = CollectingDispatcher()
    conversation.ActionEmergency().run(dispatcher, make_tracker("救命 快来人啊", "emergency"), {})
    assert dispatcher.messages[0]["custom"]["emergency"]["number"] == "110"
    assert "110" in dispatcher.messages[0]["text"]


# ---- work orders ---------------------------------------------------------------------------------
def test_urging_an_open_order_records_a_urge_event(store: FakeStore) -> None:
    dispatcher = CollectingDispatcher()
    asyncio.run(
        ticket_status.ActionUrgeTicket().run(dispatcher, make_tracker("帮我催一下JZ20261122-0001", "urge_ticket"), {})
    )
    assert store.appended == [("JZ20261122-0001", "催办", "caller", "帮我催一下JZ20261122-0001")]
    assert "已经为您催办" in texts(dispatcher)


def test_a_closed_order_is_not_urged(store: FakeStore) -> None:
    dispatcher = CollectingDispatcher()
    asyncio.run(
        ticket_status.ActionUrgeTicket().run(dispatcher, make_tracker("催一下JZ20261122-0002", "urge_ticket"), {})
    )
    assert store.appended == [] and "不能再催办" in texts(dispatcher)


def test_urging_without_a_number_asks_for_it(store: FakeStore) -> None:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ticket_status.ActionUrgeTicket().run(dispatcher, make_tracker("我要催办", "urge_ticket"), {}))
    assert slot_values(events) == {"ticket_request": "urge"} and "工单号" in texts(dispatcher)


# ---- the closing rating ----------------------------------------------------------------------------
def test_the_rating_is_stored_with_the_last_work_order(store: FakeStore) -> None:
    tracker = make_tracker("5分", slots={"satisfaction_score": "5", "ticket_number": "JZ20261122-0001"})
    dispatcher = CollectingDispatcher()
    events = asyncio.run(conversation.ActionFinishConversation().run(dispatcher, tracker, {}))
    assert store.ratings == [("caller-1", 5, "JZ20261122-0001")]
    assert slot_values(events)["rating_done"] is True and "再见" in texts(dispatcher)


def test_the_rating_form_reads_words_and_lets_the_caller_skip() -> None:
    form = conversation.ValidateSatisfactionForm()
    assert form.validate_satisfaction_score("非常满意", CollectingDispatcher(), make_tracker("非常满意"), {}) == {
        "satisfaction_score": "5"
    }
    assert form.validate_satisfaction_score("不评了", CollectingDispatcher(), make_tracker("不评了", "deny"), {}) == {
        "satisfaction_score": "skipped"
    }
    dispatcher = CollectingDispatcher()
    assert form.validate_satisfaction_score("嗯", dispatcher, make_tracker("嗯", "affirm"), {}) == {
        "satisfaction_score": None
    }
    assert "1到5" in texts(dispatcher)


def test_a_clarifying_question_is_no_failure_and_waits_for_the_choice() -> None:
    action = conversation.ActionCheckAnswer()
    user = {"event": "user", "text": "居住证", "parse_data": {"intent": {"name": "ask_info"}}}
    clarify = {"event": "bot", "text": "您问的是…", "data": {"custom": {"knowledge": {"clarify": ["a", "b"]}}}}
    tracker = Tracker(
        "c",
        {"failure_count": 1.0},
        {"text": "居住证", "intent": {"name": "ask_info"}},
        [user, clarify],
        False,
        None,
        {},
        "action_answer_question",
    )
    slots = slot_values(action.run(CollectingDispatcher(), tracker, {}))
    assert slots["awaiting_clarification"] is True and slots["failure_count"] == 0.0
    assert slots["candidate_answers"] == [{"entry_id": "a"}, {"entry_id": "b"}]


def test_a_short_reply_after_the_offer_hands_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from actions.short_reply import ActionShortReply

    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        ActionShortReply().run(dispatcher, make_tracker("好", "affirm", slots={"offered_human": True}), {})
    )
    assert dispatcher.messages[0]["response"] == "utter_handoff" and "handoff" in dispatcher.messages[0]["custom"]
    assert slot_values(events)["offered_human"] is False
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionShortReply().run(dispatcher, make_tracker("好", "affirm"), {}))
    assert dispatcher.messages[0]["response"] == "utter_how_can_help"


def test_a_number_after_the_urge_question_urges(store: FakeStore) -> None:
    from actions.short_reply import ActionShortReply

    asyncio.run(
        ActionShortReply().run(
            CollectingDispatcher(), make_tracker("JZ20261122-0001", "inform", slots={"ticket_request": "urge"}), {}
        )
    )
    assert store.appended and store.appended[0][1] == "催办"


# ---- a work order is someone's: the number alone shows nothing -------------------------------------
def _status(text: str, sender: str = "stranger", slots: dict[str, Any] | None = None) -> tuple[str, dict]:
    tracker = make_tracker(text, "ask_ticket_status", slots=slots)
    tracker.sender_id = sender
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ticket_status.ActionTicketStatus().run(dispatcher, tracker, {}))
    return texts(dispatcher), slot_values(events)


def test_a_stranger_with_only_the_number_is_asked_for_the_phone_s_last_four(store: FakeStore) -> None:
    said, slots = _status("JZ20261122-0001办得怎么样了")
    assert "后四位" in said and "市城管局" not in said and "已受理" not in said
    assert slots == {"ticket_number": "JZ20261122-0001", "ticket_request": "status"}
    said, _ = _status("5678", slots=slots)
    assert "已受理" in said and "市城管局" in said


def test_the_caller_who_filed_it_needs_no_second_factor(store: FakeStore) -> None:
    said, _ = _status("JZ20261122-0001办得怎么样了", sender="caller-1")
    assert "已受理" in said


def test_guessing_the_last_four_in_chat_locks_the_order(store: FakeStore) -> None:
    store.orders["JZ20261122-0003"] = FakeOrder("JZ20261122-0003", conversation_id="someone", phone="13700001111")
    guesses = [_status(f"JZ20261122-0003 尾号{n:04d}")[0] for n in range(5)]
    assert all("对不上" in said for said in guesses[:4])
    locked, _ = _status("JZ20261122-0003 尾号1111")  # right, but too late
    assert "已受理" not in locked and "次数太多" in locked
