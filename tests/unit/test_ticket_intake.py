"""Filing: confident orders are dispatched at once, uncertain ones wait for an agent."""
from __future__ import annotations

from pathlib import Path

from tickets.intake import file_work_order
from tickets.store import NewWorkOrder, TicketStore


def _new(needs_review: bool, conversation: str) -> NewWorkOrder:
    return NewWorkOrder(kind="投诉", description="小区路灯坏了半个月", district="温县", address="城关镇",
                        phone="13912345678", department="市城管局", local_government=None,
                        routing_reason="rule:streetlight", needs_review=needs_review, conversation_id=conversation)


def test_confident_order_is_dispatched_to_its_department(tmp_path: Path) -> None:
    store = TicketStore(f"sqlite:///{tmp_path / 'intake.db'}", prefix="JZ")
    order = file_work_order(store, _new(False, "c1"))
    assert order.status == "已转办"
    assert [e.to_status for e in store.events(order.number)] == ["已受理", "已转办"]


def test_order_needing_review_waits_as_accepted(tmp_path: Path) -> None:
    store = TicketStore(f"sqlite:///{tmp_path / 'intake.db'}", prefix="JZ")
    order = file_work_order(store, _new(True, "c2"))
    assert order.status == "已受理"
    assert order.needs_review


def test_filing_twice_is_idempotent(tmp_path: Path) -> None:
    store = TicketStore(f"sqlite:///{tmp_path / 'intake.db'}", prefix="JZ")
    first = file_work_order(store, _new(False, "c3"))
    again = file_work_order(store, _new(False, "c3"))
    assert again.number == first.number and again.status == "已转办"
    assert len(store.events(first.number)) == 2
