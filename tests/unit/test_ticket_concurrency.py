"""Numbering without races and idempotent submission under concurrency (issue 14, item 10).

Counter rows give every creator its own number at once, and creation + dispatch are one
transaction: many threads and processes filing at the same moment — including retries of the
same submission — give contiguous numbers, one order per submission, dispatched once, no error.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import UTC, datetime

from sqlalchemy import delete

from tests.unit.ticket_backends import FakeClock, complaint
from tickets.intake import file_work_order
from tickets.models import WorkOrderCounter
from tickets.references import new_public_ref
from tickets.store import TicketStore

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def _run_threads(count: int, target, timeout: float = 60) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait()
            target(index)
        except BaseException as error:  # noqa: BLE001 - surfaced by the caller
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return errors


def test_twenty_simultaneous_retries_file_one_order_dispatched_once(db_url: str, clock: FakeClock) -> None:
    stores = [TicketStore(db_url, prefix="JZ", clock=clock) for _ in range(20)]
    results: list[tuple[str, str]] = []

    def submit(index: int) -> None:
        order = file_work_order(stores[index], complaint(conversation_id="conv-retry"))
        results.append((order.number, order.status))

    errors = _run_threads(len(stores), submit)
    assert not errors, errors[:3]
    assert results == [("JZ20261122-0001", "已转办")] * len(stores)
    events = stores[0].events("JZ20261122-0001")
    assert [(e.action, e.to_status) for e in events] == [("受理", "已受理"), ("转办", "已转办")]
    assert stores[0].get("JZ20261122-0002") is None
    for store in stores:
        store.close()


def test_retries_with_the_same_public_reference_file_one_order(db_url: str, clock: FakeClock) -> None:
    """The outbox replays a submission by its reference, without a conversation id."""
    stores = [TicketStore(db_url, prefix="JZ", clock=clock) for _ in range(8)]
    reference = new_public_ref()
    numbers: list[str] = []

    def submit(index: int) -> None:
        new = complaint(f"第{index}次重试的文字略有不同", public_ref=reference.lower())
        numbers.append(file_work_order(stores[index], new).number)

    errors = _run_threads(len(stores), submit)
    assert not errors, errors[:3]
    assert set(numbers) == {"JZ20261122-0001"}
    order = stores[0].find_by_reference(reference)
    assert order is not None and order.public_ref == reference and order.status == "已转办"
    assert len(stores[0].events(order.number)) == 2
    for store in stores:
        store.close()


def test_a_lost_counter_row_continues_after_the_highest_number(store: TicketStore) -> None:
    for i in range(3):
        store.create_work_order(complaint(f"第{i}件"))
    from sqlalchemy.orm import Session

    with Session(store.engine) as session, session.begin():
        session.execute(delete(WorkOrderCounter))
    assert store.create_work_order(complaint("计数行丢失之后")).number == "JZ20261122-0004"
    assert store.create_work_order(complaint("再下一件")).number == "JZ20261122-0005"


def test_a_duplicate_gives_its_number_back(store: TicketStore) -> None:
    first = store.create_work_order(complaint(conversation_id="c1"))
    for _ in range(3):
        assert store.create_work_order(complaint(conversation_id="c1")).number == first.number
    assert store.create_work_order(complaint("新的一件")).number == "JZ20261122-0002"


def test_counters_are_seeded_from_orders_filed_before_the_migration(db_url: str, clock: FakeClock) -> None:
    """Down to 0002 (no counters, no references) and up again: numbering continues, refs appear."""
    from alembic import command

    from tickets.migrate import alembic_config

    with TicketStore(db_url, prefix="JZ", clock=clock) as store:
        numbers = [store.create_work_order(complaint(f"旧{i}")).number for i in range(3)]
        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0002")
    with TicketStore(db_url, prefix="JZ", clock=clock) as upgraded:
        refs = {upgraded.get(number).public_ref for number in numbers}
        assert None not in refs and len(refs) == 3
        assert upgraded.create_work_order(complaint("升级后第一件")).number == "JZ20261122-0004"


# ---------------------------------------------------------------------- processes × threads
PROCESSES, THREADS, PER_THREAD = 4, 10, 3


def _process_worker(url: str, index: int, queue) -> None:
    """One process of the stress test: THREADS threads, each filing shared and own submissions."""
    store = TicketStore(url, prefix="JZ", clock=lambda: NOW)
    filed: list[tuple[str, str, str]] = []
    lock = threading.Lock()

    def thread_work(thread: int) -> None:
        for i in range(PER_THREAD):
            # The same submissions in every process (a retried request) and one of its own.
            for key, description in (
                (f"shared-{thread}-{i}", f"共同诉求{thread}-{i}"),
                (f"own-{index}-{thread}-{i}", f"进程{index}诉求{thread}-{i}"),
            ):
                order = file_work_order(store, complaint(description, conversation_id=key))
                with lock:
                    filed.append((key, order.number, order.status))

    errors = _run_threads(THREADS, thread_work, timeout=120)
    store.close()
    queue.put((index, filed, [repr(error) for error in errors]))


def test_processes_and_threads_number_and_dispatch_every_submission_once(db_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    TicketStore(db_url, prefix="JZ", clock=lambda: NOW).close()  # migrate once, before the rush
    started = time.monotonic()
    workers = [context.Process(target=_process_worker, args=(db_url, i, queue)) for i in range(PROCESSES)]
    for worker in workers:
        worker.start()
    reports = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    elapsed = time.monotonic() - started
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES
    assert all(not errors for _, _, errors in reports), [errors[:3] for _, _, errors in reports]

    by_key: dict[str, set[str]] = {}
    for _, filed, _ in reports:
        for key, number, status in filed:
            assert status == "已转办"
            by_key.setdefault(key, set()).add(number)
    shared = THREADS * PER_THREAD
    expected_orders = shared + PROCESSES * THREADS * PER_THREAD
    assert len(by_key) == expected_orders
    assert all(len(numbers) == 1 for numbers in by_key.values())  # one order per submission
    numbers = sorted(number for numbers in by_key.values() for number in numbers)
    assert numbers == [f"JZ20261122-{n:04d}" for n in range(1, expected_orders + 1)]  # no gaps, no repeats
    with TicketStore(db_url, prefix="JZ", clock=lambda: NOW) as store:
        for key in (f"shared-{t}-{i}" for t in range(THREADS) for i in range(PER_THREAD)):
            (number,) = by_key[key]
            assert [e.action for e in store.events(number)] == ["受理", "转办"]
    assert elapsed < 60, f"stress test took {elapsed:.1f} s"
