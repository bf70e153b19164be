"""Work orders (工单): models, durable store and lifecycle states (domain code, no web framework)."""

from tickets.errors import IllegalTransition, InvalidOperation, TicketError, WorkOrderNotFound
from tickets.references import new_public_ref
from tickets.status import ALLOWED_TRANSITIONS, WorkOrderAction, WorkOrderKind, WorkOrderStatus, can_transition
from tickets.store import (
    AccessView,
    EventView,
    NewWorkOrder,
    TicketStore,
    WorkOrderView,
    normalize_ticket_number,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "AccessView",
    "EventView",
    "IllegalTransition",
    "InvalidOperation",
    "NewWorkOrder",
    "TicketError",
    "TicketStore",
    "WorkOrderAction",
    "WorkOrderKind",
    "WorkOrderNotFound",
    "WorkOrderStatus",
    "WorkOrderView",
    "can_transition",
    "new_public_ref",
    "normalize_ticket_number",
]
