"""The hand-off queue: summaries for agents only (issue 14, item 2)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tests.unit.ticket_backends import FakeClock
from tickets.errors import InvalidOperation
from tickets.handoffs import HandoffNotFound, HandoffQueue
from tickets.store import TicketStore

SUMMARY = {
    "topic": "噪音扰民投诉",
    "slots": {"district": "山阳区", "address": "焦东路88号", "phone": "13812345678"},
    "recent": ["楼下烧烤店太吵了", "转人工"],
}


def test_enqueue_take_close(store: TicketStore, clock: FakeClock) -> None:
    queue = HandoffQueue(store)
    first = queue.enqueue("conv-1", "web", SUMMARY)
    second = queue.enqueue("conv-2", "voice", {"topic": "咨询"})
    waiting = queue.waiting()
    assert [h.id for h in waiting] == [first, second]
    assert waiting[0].summary == SUMMARY and waiting[0].status == "waiting" and waiting[0].channel == "web"
    assert waiting[0].created_at == clock.now

    taken = queue.take(first, "坐席07")
    assert (taken.status, taken.taken_by, taken.taken_at) == ("taken", "坐席07", clock.now)
    assert queue.take(first, "坐席07") == taken  # the same agent again: no-op
    with pytest.raises(InvalidOperation, match="坐席07"):
        queue.take(first, "坐席08")
    assert [h.id for h in queue.waiting()] == [second]

    assert queue.close(first).status == "closed"
    assert queue.close(first).status == "closed"
    with pytest.raises(InvalidOperation):
        queue.take(first, "坐席07")
    assert queue.close(second).status == "closed"  # the caller left before anyone took it
    assert queue.waiting() == []


def test_unknown_and_invalid(store: TicketStore) -> None:
    queue = HandoffQueue(store)
    with pytest.raises(HandoffNotFound):
        queue.take(999, "坐席07")
    with pytest.raises(HandoffNotFound):
        queue.close(999)
    assert queue.get(999) is None
    with pytest.raises(InvalidOperation):
        queue.enqueue("", "web", SUMMARY)
    with pytest.raises(InvalidOperation):
        queue.enqueue("conv-1", "web", ["not", "a", "dict"])  # type: ignore[arg-type]
    with pytest.raises(InvalidOperation):
        queue.enqueue("conv-1", "web", {"recent": ["字" * 70_000]})


def test_only_one_agent_wins_a_race(db_url: str, clock: FakeClock) -> None:
    stores = [TicketStore(db_url, prefix="JZ", clock=clock) for _ in range(6)]
    handoff = HandoffQueue(stores[0]).enqueue("conv-race", "web", SUMMARY)
    barrier = threading.Barrier(len(stores))
    winners: list[str] = []
    refused: list[str] = []

    def agent(index: int) -> None:
        barrier.wait()
        try:
            winners.append(HandoffQueue(stores[index]).take(handoff, f"坐席{index}").taken_by or "")
        except InvalidOperation:
            refused.append(f"坐席{index}")

    threads = [threading.Thread(target=agent, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(winners) == 1 and len(refused) == len(stores) - 1
    assert HandoffQueue(stores[0]).get(handoff).taken_by == winners[0]
    for store in stores:
        store.close()


def test_redact_conversation_empties_its_summaries(store: TicketStore) -> None:
    queue = HandoffQueue(store)
    mine = [queue.enqueue("conv-pii", "web", SUMMARY) for _ in range(2)]
    other = queue.enqueue("conv-other", "web", SUMMARY)
    assert queue.redact_conversation("conv-pii") == 2
    for handoff in mine:
        view = queue.get(handoff)
        assert view.summary == {} and view.conversation_id is None
    assert queue.get(other).summary == SUMMARY
    assert queue.redact_conversation("conv-pii") == 0


def test_purge_deletes_old_handoffs(store: TicketStore, clock: FakeClock) -> None:
    queue = HandoffQueue(store)
    old = queue.enqueue("conv-old", "web", SUMMARY)
    clock.now += timedelta(days=400)
    recent = queue.enqueue("conv-new", "web", SUMMARY)
    assert queue.purge(timedelta(days=365)) == 1
    assert queue.get(old) is None and queue.get(recent) is not None


def test_a_queue_on_a_bare_engine(store: TicketStore) -> None:
    queue = HandoffQueue(store.engine)
    handoff = queue.enqueue("conv-1", "web", SUMMARY)
    assert HandoffQueue(store).get(handoff).summary == SUMMARY
