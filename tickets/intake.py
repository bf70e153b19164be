"""Filing a caller's work order: accept it and, when routing is confident, dispatch it at once.

有诉即办: a confidently routed order goes straight to its department (已受理 → 已转办)
without waiting for an agent; only orders flagged for review wait in the agent queue.

Creation and dispatch are one transaction, and a retried submission (same public reference, or
same conversation and content) returns the order already filed: however many times and however
concurrently the assistant retries, there is one order, dispatched once, and no error.
"""

from __future__ import annotations

from tickets.errors import IllegalTransition
from tickets.lifecycle import WorkOrderLifecycle
from tickets.status import WorkOrderStatus
from tickets.store import NewWorkOrder, TicketStore, WorkOrderView

ASSISTANT = "assistant"
AUTO_DISPATCH_NOTE = "路由置信度达标，自动转办"


def _confident(new: NewWorkOrder) -> bool:
    return not new.needs_review and bool((new.department or "").strip())


def file_work_order(store: TicketStore, new: NewWorkOrder, actor: str = ASSISTANT) -> WorkOrderView:
    """Create (idempotently) and dispatch unless the routing needs an agent's review."""
    lifecycle = WorkOrderLifecycle(store)
    dispatch = lifecycle.dispatch_step(new.department or "", note=AUTO_DISPATCH_NOTE) if _confident(new) else None
    order = store.create_work_order(new, actor=actor, then=dispatch)
    if order.needs_review or not order.department or order.status != WorkOrderStatus.ACCEPTED:
        return order
    # A confident order still waiting: filed by create_work_order alone (or before creation and
    # dispatch were one transaction). Dispatch it now; a concurrent retry may win, which is fine.
    try:
        return lifecycle.assign(order.number, order.department, actor=actor, note=AUTO_DISPATCH_NOTE)
    except IllegalTransition:
        return store.get(order.number) or order
