"""The overdue sweep: every open order past its deadline gets one 督办 per missed deadline.

Run by ``hotline tickets sweep`` and, on a timer, inside the web app (webapp/sweeper.py).
Safe to run from several processes at once: each order is re-checked under its row lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tickets.lifecycle import WorkOrderLifecycle
from tickets.store import TicketStore, WorkOrderView

SWEEP_ACTOR = "system:sweep"
BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    supervised: list[WorkOrderView] = field(default_factory=list)  # 督办 issued by this run
    overdue: list[WorkOrderView] = field(default_factory=list)  # every open order past its deadline


def sweep_overdue(store: TicketStore, actor: str = SWEEP_ACTOR) -> SweepResult:
    lifecycle = WorkOrderLifecycle(store)
    supervised: list[WorkOrderView] = []
    overdue: list[WorkOrderView] = []
    offset = 0
    while True:
        batch = store.find(overdue=True, limit=BATCH, offset=offset)
        for order in batch:
            marked = lifecycle.supervise(order.number, actor=actor)
            if marked is not None:
                supervised.append(marked)
            overdue.append(marked or order)
        if len(batch) < BATCH:
            return SweepResult(supervised=supervised, overdue=overdue)
        offset += BATCH
