"""What a caller may see of a work order's history: the status steps, their times, the reply.

Used by the chat (the status card after "查询工单进度") and the /ticket page. Actors and internal
notes stay with the centre; only the department's reply (答复) is shown in words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from tickets.status import CALLER_VISIBLE_NOTE_ACTIONS, WorkOrderAction
from tickets.store import EventView, TicketStore

log = logging.getLogger(__name__)
# Events without a status change that the caller should see in the timeline.
SHOWN_NOTE_EVENTS = frozenset({WorkOrderAction.URGE.value, WorkOrderAction.SUPERVISE.value})


def public_timeline(events: Iterable[EventView]) -> list[dict[str, Any]]:
    """The caller-visible steps, oldest first: {at, action, status, note}."""
    steps = []
    for event in events:
        if event.to_status is None and event.action not in SHOWN_NOTE_EVENTS:
            continue
        note = event.note if event.action in CALLER_VISIBLE_NOTE_ACTIONS else None
        steps.append({"at": event.at.isoformat(), "action": event.action, "status": event.to_status, "note": note})
    return steps


def with_timeline(reply: dict[str, Any], store: Callable[[], TicketStore]) -> dict[str, Any]:
    """A reply whose custom payload names a work order the dialogue let the caller see
    (``{"ticket_status": {"number": …}}``, actions/ticket_status.py), with its public timeline added;
    the card of an order just filed (``{"work_order": {"number": …}}``) gets its status."""
    custom = reply.get("custom")
    order = custom.get("work_order") if isinstance(custom, dict) else None
    if isinstance(order, dict) and order.get("number") and "status" not in order:
        try:
            found = store().get(str(order["number"]))
        except Exception as error:  # noqa: BLE001 - the card stands without its status
            log.warning("work-order status unavailable: %s", type(error).__name__)
            found = None
        if found is not None and isinstance(custom, dict):
            return {**reply, "custom": {**custom, "work_order": {**order, "status": found.status}}}
    status = custom.get("ticket_status") if isinstance(custom, dict) else None
    if not isinstance(status, dict) or not status.get("number"):
        return reply
    try:
        events = store().events(str(status["number"]))
    except Exception as error:  # noqa: BLE001 - the text answer stands without its timeline
        log.warning("work-order timeline unavailable: %s", type(error).__name__)
        return reply
    return {**reply, "custom": {**custom, "ticket_status": {**status, "timeline": public_timeline(events)}}}
