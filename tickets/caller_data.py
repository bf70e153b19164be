"""Erasing one caller's personal data everywhere it is kept (PIPL art. 47).

A work order's personal fields live in the work-order database (tickets/store.py redacts them and
records the 信息删除 event); the conversation that produced it lives on in Rasa's tracker store,
with the same phone and address in its messages. Both go, or the request was not honoured.
"""

from __future__ import annotations

from dataclasses import dataclass

from tickets.errors import WorkOrderNotFound
from tickets.retention import redact_conversation
from tickets.store import TicketStore, WorkOrderView


@dataclass(frozen=True)
class CallerDataRedaction:
    order: WorkOrderView
    already_redacted: bool
    conversation_events_deleted: int


def redact_caller_data(
    store: TicketStore, reference: str, actor: str, reason: str, tracker_db_url: str | None = None
) -> CallerDataRedaction:
    """Redact the order named by ``reference`` (number or public reference) and delete its
    conversation from the tracker store at ``tracker_db_url`` (skipped when None)."""
    order = store.find_by_reference(reference)
    if order is None:
        raise WorkOrderNotFound(reference)
    conversation = order.conversation_id
    already = order.redacted_at is not None
    redacted = store.redact(order.number, actor=actor, reason=reason)
    deleted = redact_conversation(tracker_db_url, conversation) if tracker_db_url and conversation else 0
    return CallerDataRedaction(redacted, already, deleted)
