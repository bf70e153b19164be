"""Filing: confident orders are dispatched at once, uncertain ones wait for an agent."""

from __future__ import annotations

from pathlib import Path

from tickets.intake import file_work_order
from tickets.store import NewWorkOrder, TicketStore


def _new(needs_review: bool, conversation: str) -> NewWorkOrder:
    return NewWorkOrder(
        kind="投诉",
        description="小区路灯坏了半个月",
        district="温县",
        address="城关镇",
        phone="13912345678",
        department="市城管局",
        local_government=None,
        routing_reason="rule:streetlight",
        needs_review=needs_review,
        conversation_id=conversation,
    )


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


def test_an_order_created_without_dispatch_is_dispatched_once_by_concurrent_filings(tmp_path: Path) -> None:
    """Orders filed before creation and dispatch were one transaction (or by create_work_order
    alone) are dispatched by the next filing; racing filings do not raise IllegalTransition."""
    import threading

    url = f"sqlite:///{tmp_path / 'intake.db'}"
    first = TicketStore(url, prefix="JZ")
    waiting = first.create_work_order(_new(False, "c4"))
    assert waiting.status == "已受理"
    stores = [TicketStore(url, prefix="JZ") for _ in range(6)]
    barrier = threading.Barrier(len(stores))
    results: list[str] = []

    def retry(store: TicketStore) -> None:
        barrier.wait()
        results.append(file_work_order(store, _new(False, "c4")).status)

    threads = [threading.Thread(target=retry, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == ["已转办"] * len(stores)
    assert [e.action for e in first.events(waiting.number)] == ["受理", "转办"]


def test_filing_with_a_reference_keeps_it(tmp_path: Path) -> None:
    from dataclasses import replace

    from tickets.references import new_public_ref

    store = TicketStore(f"sqlite:///{tmp_path / 'intake.db'}", prefix="JZ")
    reference = new_public_ref()
    order = file_work_order(store, replace(_new(False, "c5"), public_ref=reference))
    assert order.public_ref == reference and order.status == "已转办"
    assert store.find_by_reference(reference.lower()).number == order.number
