"""Personal data in the work-order store (issue 14, items 1, 3, 4): public references, redaction,
the access log, and error messages without parameters."""

from __future__ import annotations

import re
from dataclasses import asdict

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.unit.ticket_backends import FakeClock, complaint
from tickets.errors import InvalidOperation, WorkOrderNotFound
from tickets.handoffs import HandoffQueue
from tickets.intake import file_work_order
from tickets.lifecycle import WorkOrderLifecycle
from tickets.models import SatisfactionRating
from tickets.redaction import REDACTED, scrub
from tickets.references import ALPHABET, LENGTH, find_public_ref, new_public_ref, normalize_public_ref
from tickets.store import TicketStore

PHONE = "13812345678"
ADDRESS = "山阳区焦东路88号3单元"


# ---------------------------------------------------------------------- public references
def test_new_public_refs_are_random_and_unambiguous() -> None:
    refs = {new_public_ref() for _ in range(2000)}
    assert len(refs) == 2000
    assert all(len(ref) == LENGTH and set(ref) <= set(ALPHABET) for ref in refs)
    assert not set("01ILO") & set(ALPHABET)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("K7Q3M9XH", "K7Q3M9XH"),
        ("k7q3m9xh", "K7Q3M9XH"),
        ("ｋ７ｑ３－ｍ９ｘｈ", "K7Q3M9XH"),
        (" K7Q3 M9XH ", "K7Q3M9XH"),
        ("K7Q3M9X", None),
        ("K7Q3M9XO", None),  # O is not in the alphabet
        ("JZ20261122-0001", None),
        ("", None),
    ],
)
def test_normalize_public_ref(text: str, expected: str | None) -> None:
    assert normalize_public_ref(text) == expected


def test_find_public_ref_in_a_sentence() -> None:
    assert find_public_ref("我的查询码是k7q3-m9xh，帮我查查") == "K7Q3M9XH"
    assert find_public_ref("工单JZ20261122-0001怎么样了") is None
    assert find_public_ref("电话13812345678") is None


def test_every_order_gets_its_own_reference(store: TicketStore) -> None:
    orders = [store.create_work_order(complaint(f"第{i}件")) for i in range(5)]
    refs = [order.public_ref for order in orders]
    assert all(ref and normalize_public_ref(ref) == ref for ref in refs)
    assert len(set(refs)) == 5
    assert store.get(orders[0].number).public_ref == refs[0]


def test_a_supplied_reference_is_the_idempotency_key(store: TicketStore) -> None:
    reference = new_public_ref()
    first = store.create_work_order(complaint(public_ref=reference))
    assert first.public_ref == reference
    # A replay (say, from the outbox) with the same reference is the same submission.
    again = store.create_work_order(complaint("同一次提交，文字稍有出入", public_ref=reference.lower()))
    assert again.number == first.number and len(store.events(first.number)) == 1
    other = store.create_work_order(complaint(public_ref=new_public_ref()))
    assert other.number != first.number
    with pytest.raises(InvalidOperation):
        store.create_work_order(complaint(public_ref="JZ-0001"))


@pytest.mark.parametrize("form", ["number", "messy number", "ref", "lower ref", "full-width ref", "sentence"])
def test_find_by_reference_accepts_the_number_or_the_reference(store: TicketStore, form: str) -> None:
    order = store.create_work_order(complaint())
    ref = order.public_ref
    assert ref is not None
    text_form = {
        "number": order.number,
        "messy number": "jz 20261122－0001",
        "ref": ref,
        "lower ref": ref.lower(),
        "full-width ref": "".join(chr(ord(c) + 0xFEE0) for c in ref.lower()),
        "sentence": f"我的查询码是{ref[:4]}-{ref[4:].lower()}",
    }[form]
    found = store.find_by_reference(text_form)
    assert found is not None and found.number == order.number


def test_find_by_reference_unknown(store: TicketStore) -> None:
    store.create_work_order(complaint())
    assert store.find_by_reference("ZZZZ2222") is None
    assert store.find_by_reference("JZ20261122-0099") is None
    assert store.find_by_reference("  ") is None


# ---------------------------------------------------------------------- redaction
def _order_with_history(store: TicketStore) -> str:
    """A dispatched, answered and rated order whose notes quote the caller."""
    order = file_work_order(store, complaint(address=ADDRESS, phone=PHONE, conversation_id="conv-pii"))
    life = WorkOrderLifecycle(store)
    life.accept(order.number, actor="dept:市城管局")
    life.reply(
        order.number,
        f"已到{ADDRESS}核实，并电话（１３８１２３４５６７）联系来电人，烧烤摊已劝离。",
        actor="dept:市城管局",
    )
    store.append_event(order.number, "备注", "agent:07", note=f"来电人身份证410802199001011234，回拨{PHONE}")
    store.record_satisfaction("conv-pii", 4, number=order.number)
    store.record_satisfaction("conv-pii", 5)
    life.close(order.number, actor="agent:07")
    return order.number


def test_redact_removes_the_callers_data_and_leaves_a_tombstone(store: TicketStore, clock: FakeClock) -> None:
    number = _order_with_history(store)
    queue = HandoffQueue(store)
    handoff = queue.enqueue("conv-pii", "web", {"slots": {"phone": PHONE, "address": ADDRESS}})
    before = store.events(number)

    redacted = store.redact(number, actor="agent:07", reason="来电人依法申请删除个人信息")

    assert (redacted.phone, redacted.address, redacted.conversation_id) == (None, None, None)
    assert redacted.description == REDACTED
    assert redacted.redacted_at is not None
    assert (redacted.status, redacted.department, redacted.district) == ("已办结", "市城管局", "山阳区")
    events = store.events(number)
    assert len(events) == len(before) + 1
    assert [(e.action, e.at) for e in events[:-1]] == [(e.action, e.at) for e in before]
    tombstone = events[-1]
    assert (tombstone.action, tombstone.actor, tombstone.note) == ("信息删除", "agent:07", "来电人依法申请删除个人信息")
    reply = next(e for e in events if e.action == "答复")
    assert reply.note is not None and "烧烤摊已劝离" in reply.note
    dump = repr([asdict(e) for e in events]) + repr(asdict(redacted))
    for secret in (PHONE, ADDRESS, "410802199001011234", "conv-pii", "１３８"):
        assert secret not in dump
    with Session(store.engine) as session:
        ids = set(session.scalars(select(SatisfactionRating.conversation_id)))
    assert "conv-pii" not in ids and store.satisfaction(number=number) == [4]
    assert queue.get(handoff).summary == {} and queue.get(handoff).conversation_id is None


def test_redact_conversation(store: TicketStore) -> None:
    number = _order_with_history(store)
    second = store.create_work_order(complaint("同一会话的第二件", conversation_id="conv-pii")).number
    other = store.create_work_order(complaint(conversation_id="conv-other")).number
    store.record_satisfaction("conv-chat-only", 3)
    queue = HandoffQueue(store)
    chat_only = queue.enqueue("conv-chat-only", "web", {"phone": PHONE})

    assert store.redact_conversation("conv-pii", actor="agent:07", reason="申请删除") == [number, second]
    assert store.get(number).redacted_at and store.get(second).redacted_at
    assert store.get(other).redacted_at is None
    assert store.redact_conversation("conv-chat-only", actor="agent:07", reason="申请删除") == []
    assert store.satisfaction(conversation_id="conv-chat-only") == []
    assert queue.get(chat_only).summary == {}


def test_redact_is_idempotent(store: TicketStore) -> None:
    number = _order_with_history(store)
    first = store.redact(number, actor="agent:07", reason="申请删除")
    count = len(store.events(number))
    again = store.redact(number, actor="agent:08", reason="再次申请")
    assert again == first and len(store.events(number)) == count


def test_redact_refuses_unknown_orders_and_missing_reasons(store: TicketStore) -> None:
    number = store.create_work_order(complaint()).number
    with pytest.raises(WorkOrderNotFound):
        store.redact("JZ20261122-0099", actor="agent:07", reason="申请删除")
    with pytest.raises(InvalidOperation):
        store.redact(number, actor="agent:07", reason="  ")
    with pytest.raises(InvalidOperation):
        store.append_event(number, "信息删除", "agent:07", note="伪造的删除记录")
    assert store.get(number).redacted_at is None


def test_a_redacted_orders_events_stay_append_only_apart_from_their_notes(store: TicketStore) -> None:
    number = store.create_work_order(complaint()).number
    store.redact(number, actor="agent:07", reason="申请删除")
    for statement in (
        "DELETE FROM work_order_events",
        "UPDATE work_order_events SET action = '办结'",
        "UPDATE work_order_events SET to_status = '已办结'",
        "UPDATE work_order_events SET work_order_id = work_order_id + 1",
    ):
        with store.engine.connect() as raw, pytest.raises(DBAPIError, match="append-only"):
            raw.execute(text(statement))


def test_notes_of_orders_not_redacted_cannot_be_rewritten(store: TicketStore) -> None:
    keep = store.create_work_order(complaint("另一件，不删除")).number
    gone = store.create_work_order(complaint()).number
    store.redact(gone, actor="agent:07", reason="申请删除")
    with store.engine.connect() as raw, pytest.raises(DBAPIError, match="append-only"):
        raw.execute(text("UPDATE work_order_events SET note = 'x'"))
    assert store.events(keep)[0].note == "承办单位建议：市城管局"


def test_scrub_keeps_what_is_not_personal() -> None:
    note = "转办至市城管局（协办：山阳区人民政府）；办理时限：2026-12-01 17:00；满意度评价：5分"
    assert scrub(note, [PHONE, ADDRESS]) == note
    assert scrub(f"回拨0391-3568888或{PHONE}", [PHONE]) == f"回拨{REDACTED}或{REDACTED}"


# ---------------------------------------------------------------------- access log
def test_access_log_records_who_read_which_order(store: TicketStore, clock: FakeClock) -> None:
    first = store.create_work_order(complaint()).number
    second = store.create_work_order(complaint("第二件")).number
    store.record_access("agent:07", first, "回访核实联系方式")
    store.record_access("dept:市城管局", "jz20261122－0002", "办理工单")
    store.record_access("agent:08", first, "质检抽查")
    entries = store.access_log()
    assert [(e.actor, e.work_order_number, e.purpose) for e in entries] == [
        ("agent:08", first, "质检抽查"),
        ("dept:市城管局", second, "办理工单"),
        ("agent:07", first, "回访核实联系方式"),
    ]
    assert entries[0].at.utcoffset().total_seconds() == 8 * 3600
    assert [e.actor for e in store.access_log(first)] == ["agent:08", "agent:07"]
    assert len(store.access_log(limit=1)) == 1
    with pytest.raises(InvalidOperation):
        store.record_access("", first, "办理工单")
    with pytest.raises(InvalidOperation):
        store.record_access("agent:07", first, " ")


# ---------------------------------------------------------------------- error messages
def test_database_errors_do_not_carry_parameters(store: TicketStore) -> None:
    with pytest.raises(DBAPIError) as caught, store.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO satisfaction_ratings (conversation_id, score, at) VALUES (:c, 9, :at)"),
            {"c": f"来电人{PHONE}", "at": store.now()},
        )
    message = str(caught.value)
    assert PHONE not in message and re.search(r"parameters hidden", message)
    assert "ck_satisfaction_ratings_score" in message  # what went wrong is still said
    assert PHONE not in str(caught.value.orig)  # nor in the driver's exception, which tracebacks print
