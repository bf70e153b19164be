"""Filing a caller's work order: accept it and, when routing is confident, dispatch it at once.

有诉即办: a confidently routed order goes straight to its department (已受理 → 已转办)
without waiting for an agent; only orders flagged for review wait in the agent queue.
"""
from __future__ import annotations

from tickets.lifecycle import WorkOrderLifecycle
from tickets.status import WorkOrderStatus
from tickets.store import NewWorkOrder, TicketStore, WorkOrderView

ASSISTANT = "assistant"


def file_work_order(store: TicketStore, new: NewWorkOrder, actor: str = ASSISTANT) -> WorkOrderView:
    """Create (idempotently) and dispatch unless the routing needs an agent's review."""
    order = store.create_work_order(new, actor=actor)
    if order.needs_review or not order.department or order.status != WorkOrderStatus.ACCEPTED:
        return order
    return WorkOrderLifecycle(store).assign(order.number, order.department, actor=actor, note="路由置信度达标，自动转办")
