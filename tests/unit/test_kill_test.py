"""The kill-test harness's pure parts: scripts, reading replies, the caller, the accounting.

No process is started: the caller talks to an httpx MockTransport standing in for the web app.
"""

from __future__ import annotations

import httpx
import pytest

from evaluation import kill_test as kt
from evaluation.kill_test import (
    Caller,
    ConversationRecord,
    DbOrder,
    Outcome,
    Script,
    Step,
    TurnRecord,
    accepted_number,
    accepted_reference,
    account,
    classify,
    make_scripts,
)

CREATED = (
    "您的诉求已受理，工单号是JZ20261207-0003。已转交市城管局办理，并同时交解放区人民政府属地处理。"
    "承办部门会尽快联系您，您也可以随时报工单号查询进度。"
)
DEFERRED = (
    "您反映的问题已经记录下来了，受理编号是7KQ3M9XH。系统正忙，工单号稍后生成，"
    "您可以稍后凭受理编号和电话后四位查询进度，或拨打12345查询。"
)
READ_BACK = (
    "我跟您核对一下：您反映的问题是“小区门口的路灯坏了”，地点是解放区民主路，联系电话是139 1234 5678。"
    "信息没问题请说“对”，需要修改请说“不对”，也可以直接说正确的内容。"
)
NO_REPLY = "抱歉，刚才没能处理好您的消息，请再说一遍；着急的话可以直接拨打12345。"  # webapp/chat.py
SCRIPT = Script(0, "我要投诉，", "小区门口的路灯坏了一个多月了", "解放区", "民主路和平小区门口", "full", "13912345678")


# ---------------------------------------------------------------- scripts
def test_scripts_are_reproducible_and_varied() -> None:
    first, again = make_scripts(50, seed=7), make_scripts(50, seed=7)
    assert first == again and first != make_scripts(50, seed=8)
    assert len({s.description for s in first}) > 10 and len({s.district for s in first}) > 5
    assert len({s.phone for s in first}) == 50
    assert {s.place_style for s in first} == {style.value for style in kt.PlaceStyle}
    for script in first:
        assert accepted_number(script.first_message) is None
        assert script.phone.startswith("0391-") or (len(script.phone) == 11 and script.phone[0] == "1")


def test_location_answer_follows_the_place_style() -> None:
    assert SCRIPT.location_answer == "解放区民主路和平小区门口"
    assert Script(**{**SCRIPT.__dict__, "place_style": "street_first"}).location_answer == "民主路和平小区门口"
    assert Script(**{**SCRIPT.__dict__, "place_style": "district_first"}).location_answer == "解放区"


# ---------------------------------------------------------------- reading replies
def test_the_work_order_number_is_read_from_the_acceptance() -> None:
    assert accepted_number(CREATED) == "JZ20261207-0003"
    assert accepted_reference(CREATED) is None
    assert accepted_number("您的诉求已受理，工单号是JZ20261207-0004。话务员会先确认由哪个部门承办") == "JZ20261207-0004"


def test_the_reference_is_read_from_the_outbox_reply() -> None:
    assert accepted_reference(DEFERRED) == "7KQ3M9XH"
    assert accepted_number(DEFERRED) is None


def test_numbers_outside_an_acceptance_are_not_acceptances() -> None:
    assert accepted_number("我的工单JZ20261207-0001办得怎么样了") is None
    assert accepted_reference("受理编号是7KQ3M9XHZ") is None  # nine characters: not a reference
    assert accepted_reference("受理编号是7KQ3M0XH") is None  # 0 is not in the alphabet


@pytest.mark.parametrize(
    ("text", "step"),
    [
        (CREATED, Step.ACCEPTED),
        (DEFERRED, Step.ACCEPTED),
        (READ_BACK, Step.CONFIRM),
        ("好的，这次先不提交。如果需要重新反映，请直接说您遇到的问题。", Step.CANCELLED),
        ("请问事情发生在什么地方？请说一下区县和具体地址，比如山阳区某某路某某小区。", Step.LOCATION),
        ("好的，在解放区。请再说一下具体在哪条路、哪个小区或村", Step.DETAIL),
        ("请问是在哪个区县？比如解放区、山阳区", Step.DISTRICT),
        ("请留一个联系电话，方便承办部门联系您。", Step.PHONE),
        ("这个号码好像不对。请说11位手机号", Step.PHONE),
        ("好的，我来帮您登记。请您具体说一下遇到了什么问题。", Step.DESCRIPTION),
        ("好的，哪一项需要改？请直接说正确的内容", Step.CORRECT),
        ("请问有什么需要帮您的？", Step.UNKNOWN),
    ],
)
def test_classify(text: str, step: Step) -> None:
    assert classify(text) == step


def test_answers() -> None:
    assert kt.answer(Step.CONFIRM, SCRIPT) == "对"
    assert kt.answer(Step.PHONE, SCRIPT) == SCRIPT.phone
    assert kt.answer(Step.DISTRICT, SCRIPT) == "解放区"
    assert kt.answer(Step.DETAIL, SCRIPT) == "民主路和平小区门口"
    assert kt.answer(Step.UNKNOWN, SCRIPT) == SCRIPT.first_message
    assert kt.answer(Step.ACCEPTED, SCRIPT) is None


def test_clear_messages_are_failed_turns_with_chinese_text() -> None:
    assert kt.is_clear_message(TurnRecord("对", "503", ["助手暂时无法响应，请稍后再试，或直接拨打12345。"], 0.1, 0))
    assert kt.is_clear_message(TurnRecord("对", "network", [kt.PAGE_NETWORK_ERROR], 0.1, 0))
    assert not kt.is_clear_message(TurnRecord("对", "200", [], 0.1, 0))  # no reply at all
    assert not kt.is_clear_message(TurnRecord("对", "500", ["Internal Server Error"], 0.1, 0))


# ---------------------------------------------------------------- the caller against a fake web app
def _web_app(answers: list[object]) -> httpx.MockTransport:
    """Each request gets the next answer: a reply text, an (status, message) error, or an exception."""
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        if isinstance(item, tuple):
            return httpx.Response(item[0], json={"error": "x", "message": item[1]})
        headers = {"set-cookie": "hotline_conversation=web-abc.mac; Path=/api/; HttpOnly"}
        if item == NO_REPLY:
            return httpx.Response(
                200, json={"replies": [{"text": item, "custom": {"no_reply": True}}]}, headers=headers
            )
        return httpx.Response(200, json={"replies": [{"text": item}] if item else []}, headers=headers)

    return httpx.MockTransport(handle)


def _call(answers: list[object], pauses: tuple[float, ...] = (1.0, 1.0, 1.0)) -> ConversationRecord:
    caller = Caller("http://web", SCRIPT, clock=lambda: 0.0, pauses=pauses, sleep=lambda s: None)
    transport = _web_app(answers)
    original = httpx.Client.__init__

    def patched(self: httpx.Client, *args: object, **kwargs: object) -> None:
        original(self, *args, **{**kwargs, "transport": transport})

    httpx.Client.__init__ = patched  # type: ignore[method-assign]
    try:
        return caller.run()
    finally:
        httpx.Client.__init__ = original  # type: ignore[method-assign]


def test_a_conversation_goes_through_the_form_to_the_number() -> None:
    record = _call(["请问事情发生在什么地方？", "请留一个联系电话，方便承办部门联系您。", READ_BACK, CREATED])
    assert [t.message for t in record.turns] == [SCRIPT.first_message, SCRIPT.location_answer, SCRIPT.phone, "对"]
    assert record.outcome == Outcome.ACCEPTED.value and record.told_numbers == ["JZ20261207-0003"]
    assert record.conversation_id == "web-abc" and not record.via_outbox


def test_the_caller_repeats_after_an_error_and_is_told_the_reference() -> None:
    record = _call(
        [
            READ_BACK,
            (503, "助手暂时无法响应，请稍后再试，或直接拨打12345。"),
            httpx.ConnectError("refused"),
            "",
            DEFERRED,
        ]
    )
    assert [t.message for t in record.turns] == [SCRIPT.first_message, "对", "对", "对", "对"]
    assert [t.status for t in record.turns] == ["200", "503", "network", "200", "200"]
    assert record.repetitions == 3
    assert record.outcome == Outcome.ACCEPTED.value and record.via_outbox
    assert record.told_references == ["7KQ3M9XH"]


def test_a_conversation_that_cannot_go_on_ends_on_the_clear_message() -> None:
    down = (503, "助手暂时无法响应，请稍后再试，或直接拨打12345。")
    record = _call([READ_BACK, down, down, down, down])
    assert record.outcome == Outcome.CLEAR_MESSAGE.value and "12345" in record.final_message


def test_silence_to_the_end_is_unclear() -> None:
    record = _call([READ_BACK, "", "", "", ""])
    assert record.outcome == Outcome.UNCLEAR.value


def test_a_lost_context_is_told_again_then_given_up() -> None:
    lost = "请问有什么需要帮您的？"
    record = _call([lost, lost, lost])
    assert [t.message for t in record.turns] == [SCRIPT.first_message] * 3
    assert record.outcome == Outcome.UNCLEAR.value


# ---------------------------------------------------------------- accounting
def _record(
    index: int, outcome: str = "accepted", numbers: tuple[str, ...] = (), references: tuple[str, ...] = ()
) -> ConversationRecord:
    return ConversationRecord(
        index, SCRIPT, f"web-{index}", told_numbers=list(numbers), told_references=list(references), outcome=outcome
    )


def test_accounting_with_nothing_lost() -> None:
    records = [
        _record(0, numbers=("JZ20261207-0001",)),
        _record(1, references=("7KQ3M9XH",)),
        _record(2, "cancelled"),
        _record(3, "clear_message"),
    ]
    orders = [DbOrder("JZ20261207-0001", "AAAA2222", "web-0"), DbOrder("JZ20261207-0002", "7KQ3M9XH", "web-1")]
    result = account(records, orders)
    assert (result.accepted, result.via_outbox, result.cancelled, result.ended_on_clear_message) == (2, 1, 1, 1)
    assert result.losses == [] and result.duplicates == [] and result.unclear == 0
    assert result.filed_but_not_told == []


def test_a_told_number_or_reference_missing_is_a_loss() -> None:
    records = [_record(0, numbers=("JZ20261207-0001",)), _record(1, references=("7KQ3M9XH",))]
    result = account(records, [DbOrder("JZ20261207-0002", "BBBB3333", "web-1")])
    assert [(loss["conversation"], loss["told"]) for loss in result.losses] == [(0, "number"), (1, "reference")]
    # the reference's conversation holds an order under another reference: reported for the diagnosis
    assert result.losses[1]["orders_of_this_conversation"] == [("JZ20261207-0002", "BBBB3333")]


def test_two_orders_for_one_conversation_are_a_duplicate() -> None:
    records = [_record(0, numbers=("JZ20261207-0001",))]
    orders = [DbOrder("JZ20261207-0001", "AAAA2222", "web-0"), DbOrder("JZ20261207-0002", "CCCC4444", "web-0")]
    result = account(records, orders)
    assert len(result.duplicates) == 1 and result.duplicates[0]["orders"] == ["JZ20261207-0001", "JZ20261207-0002"]


def test_told_two_different_numbers_is_a_duplicate_even_across_conversations() -> None:
    records = [_record(0, numbers=("JZ20261207-0001", "JZ20261207-0002"))]
    orders = [DbOrder("JZ20261207-0001", "AAAA2222", "web-0"), DbOrder("JZ20261207-0002", "CCCC4444", "web-x")]
    assert len(account(records, orders).duplicates) == 1


def test_unclear_conversations_and_untold_orders_are_reported() -> None:
    records = [_record(0, "unclear"), _record(1, "clear_message")]
    result = account(records, [DbOrder("JZ20261207-0001", "AAAA2222", "web-1")])
    assert result.unclear == 1 and result.unclear_details[0]["conversation"] == 0
    assert result.losses == [] and [o["number"] for o in result.filed_but_not_told] == ["JZ20261207-0001"]


def test_report_counts(tmp_path) -> None:
    records = [_record(0, numbers=("JZ20261207-0001",)), _record(1, references=("7KQ3M9XH",))]
    records[0].turns = [TurnRecord("对", "200", [CREATED], 0.5, 1.0), TurnRecord("对", "503", ["x"], 0.1, 2.0, 1)]
    kills = [
        kt.KillRecord("rasa", 3.0, [{"conversation": 0, "message": "对"}], 40.0),
        kt.KillRecord("database", 9.0, [], 12.0),
    ]
    orders = [DbOrder("JZ20261207-0001", "AAAA2222", "web-0"), DbOrder("JZ20261207-0002", "7KQ3M9XH", "web-1")]
    report = kt._report(kt.KillTestConfig(conversations=2), records, kills, orders, 0, [], 12.34, tmp_path)
    assert report["kills"] == {"rasa": 1, "database": 1} and report["kills_total"] == 2
    assert (report["conversations"], report["turns"], report["repetitions"]) == (2, 2, 1)
    assert (report["accepted"], report["accepted_via_outbox"], report["losses"], report["duplicates"]) == (2, 1, 0, 0)
    assert report["turn_statuses"] == {"200": 1, "503": 1} and report["elapsed_seconds"] == 12.3


def test_silent_turns_and_acceptances_without_a_read_back_are_found() -> None:
    lost = "请问有什么需要帮您的？"
    record = _call([READ_BACK, "", lost, CREATED])  # "对" unanswered, then the form filed at once
    assert record.outcome == Outcome.ACCEPTED.value
    silent = kt.silent_turns([record])
    assert [(s["message"], s["next_reply"]) for s in silent] == [("对", lost)]
    flagged = kt.accepted_without_read_back([record])
    assert [f["message"] for f in flagged] == [SCRIPT.first_message]
    normal = _call(["请问事情发生在什么地方？", READ_BACK, (503, "助手暂时无法响应"), CREATED])
    assert kt.silent_turns([normal]) == [] and kt.accepted_without_read_back([normal]) == []


def test_the_web_apps_say_again_is_a_failed_turn_with_a_clear_message() -> None:
    record = _call([READ_BACK, NO_REPLY, CREATED])
    assert [(t.message, t.status, t.attempt) for t in record.turns[1:]] == [("对", "no_reply", 0), ("对", "200", 1)]
    assert record.outcome == Outcome.ACCEPTED.value and kt.silent_turns([record]) == []
    stuck = _call([READ_BACK, NO_REPLY, NO_REPLY, NO_REPLY, NO_REPLY])
    assert stuck.outcome == Outcome.CLEAR_MESSAGE.value and "再说一遍" in stuck.final_message


def test_told_values_are_looked_up_as_the_hotline_does(tmp_path) -> None:
    from tickets.store import NewWorkOrder, TicketStore

    url = f"sqlite:///{tmp_path / 'hotline.db'}"
    with TicketStore(url, prefix="JZ") as store:
        new = NewWorkOrder(
            kind="投诉", description="路灯坏了一个多月了", conversation_id="web-0", public_ref="7KQ3M9XH"
        )
        order = store.create_work_order(new)
    records = [
        _record(0, numbers=(order.number,)),
        _record(1, references=("7KQ3M9XH",)),
        _record(2, references=("AAAA2222",)),
    ]
    assert kt.store_lookup_misses(url, records) == [{"conversation": 2, "value": "AAAA2222"}]


def test_kills_are_attached_to_the_conversations_they_hit() -> None:
    hit, later, untouched = _record(0), _record(1), _record(2)
    hit.turns = [TurnRecord("对", "network", [kt.PAGE_NETWORK_ERROR], 0.1, 10.0)]
    later.turns = [TurnRecord("对", "200", [DEFERRED], 5.0, 20.0)]  # sent while the database was still locked
    untouched.turns = [TurnRecord("对", "200", [CREATED], 0.5, 40.0)]
    log = [kt.KillRecord("database", 9.0, [{"conversation": 0, "message": "对"}], 15.0)]
    kt.attach_kills([hit, later, untouched], log)
    assert (hit.kills_during, later.kills_during, untouched.kills_during) == ([0], [0], [])
