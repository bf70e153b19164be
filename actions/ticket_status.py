"""Tell a caller where their work order stands, and urge it (催办).

A work-order number alone proves nothing: numbers count up through the day. The status and the
department's reply are told to the conversation that filed the order, or to a caller who gives
the last four digits of the contact phone with the number ("JZ20261207-0001 尾号5678").
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies, services
from actions.channels import collect, is_voice
from actions.offload import off_loop
from hotline.ratelimit import SlidingWindowLimiter
from tickets.references import find_public_ref
from tickets.status import CALLER_VISIBLE_NOTE_ACTIONS, TERMINAL_STATUSES
from tickets.store import WorkOrderView, normalize_ticket_number, phone_last4_matches

logger = logging.getLogger(__name__)
URGE_ACTION = "催办"
CALLER_ACTOR = "caller"
_LAST4 = re.compile(r"(?:尾号|后四位|后4位|末四位|末4位)\D{0,6}?(\d{4})(?!\d)")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def ticket_number_from(tracker: Tracker) -> str | None:
    text = tracker.latest_message.get("text") or ""
    return (
        normalize_ticket_number(text)
        or find_public_ref(text)
        or normalize_ticket_number(tracker.get_slot("ticket_number") or "")
    )


# Wrong last-four guesses per work order before it locks (10,000 values: a few guesses only).
FAILURES_ALLOWED, FAILURE_WINDOW_SECONDS = 5, 3600.0
_failures = SlidingWindowLimiter(FAILURES_ALLOWED, FAILURE_WINDOW_SECONDS)


def phone_last4_from(text: str) -> str | None:
    """ "尾号5678", "后四位 5678", or a message that is only the four digits."""
    text = (text or "").translate(_FULL_WIDTH).strip()
    if re.fullmatch(r"\d{4}", text):
        return text
    match = _LAST4.search(text)
    return match.group(1) if match else None


def may_see(order: WorkOrderView, tracker: Tracker) -> bool:
    """The conversation that filed it, or the right last four digits of its contact phone.

    Wrong digits count against the order; after FAILURES_ALLOWED within the hour nobody gets in
    by digits, right or wrong, until the window passes.
    """
    if order.conversation_id and order.conversation_id == tracker.sender_id:
        return True
    given = phone_last4_from(tracker.latest_message.get("text") or "")
    if not given or _failures.blocked_for(order.number):
        return False
    if phone_last4_matches(order.phone, given):
        return True
    _failures.hit(order.number)
    return False


def _load(number: str) -> tuple[WorkOrderView | None, list]:
    """The order and its events (blocking: call through off_loop)."""
    store = services.ticket_store()
    order = store.find_by_reference(number)
    return order, store.events(order.number) if order is not None else []


def _ask_second_factor(order: WorkOrderView, tracker: Tracker, urge: bool = False) -> str:
    given = phone_last4_from(tracker.latest_message.get("text") or "") is not None
    locked = given and bool(_failures.blocked_for(order.number))
    return replies.ask_phone_last4(order.number, urge=urge, wrong=given and not locked, locked=locked)


def _keys_for_last4(tracker: Tracker) -> dict[str, Any] | None:
    """On the phone the four digits may be pressed."""
    return collect("digits", 4) if is_voice(tracker) else None


def _forget() -> list[dict]:
    return [SlotSet("ticket_number", None), SlotSet("ticket_request", None)]


class ActionTicketStatus(Action):
    def name(self) -> str:
        return "action_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        number = ticket_number_from(tracker)
        if number and tracker.get_slot("ticket_request") == "urge":
            # "我要催办" → "请告诉我工单号" → "JZ…": the number completes the 催办.
            return await ActionUrgeTicket().run(dispatcher, tracker, domain)
        if not number:
            dispatcher.utter_message(
                text=replies.ask_ticket_number(voice=is_voice(tracker)),
                json_message=collect("ticket") if is_voice(tracker) else None,
            )
            return [SlotSet("ticket_request", "status")]
        try:
            order, events = await off_loop(_load, number)
        except Exception as error:  # noqa: BLE001 - database down or slow: say so, do not hang
            logger.warning("ticket status unavailable: %s", type(error).__name__)
            dispatcher.utter_message(text=replies.ticket_lookup_unavailable())
            return _forget()
        allowed = order is not None and may_see(order, tracker)
        if order is None or (order.phone is None and not allowed):
            dispatcher.utter_message(text=replies.ticket_not_found(number))
            return _forget()
        if not allowed:
            dispatcher.utter_message(text=_ask_second_factor(order, tracker), json_message=_keys_for_last4(tracker))
            return [SlotSet("ticket_number", order.number), SlotSet("ticket_request", "status")]
        public = [e for e in events if e.action in CALLER_VISIBLE_NOTE_ACTIONS]
        note = (public[-1].note or "") if public else ""
        shown = replies.spoken_ticket_number(order.number) if is_voice(tracker) else order.number
        dispatcher.utter_message(
            text=replies.ticket_status(
                shown,
                order.status,
                order.department or "",
                order.updated_at.strftime("%Y年%m月%d日 %H:%M"),
                note,
            ),
            # The web app adds the public timeline to this card (webapp/public_timeline.py).
            json_message={
                "ticket_status": {"number": order.number, "status": order.status, "department": order.department}
            },
        )
        return [SlotSet("ticket_number", order.number), SlotSet("ticket_request", None)]


class ActionUrgeTicket(Action):
    """催办: an open work order gets a 催办 event the department sees; a closed one cannot be urged."""

    def name(self) -> str:
        return "action_urge_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        number = ticket_number_from(tracker)
        if not number:
            dispatcher.utter_message(
                text=replies.ask_ticket_number_to_urge(voice=is_voice(tracker)),
                json_message=collect("ticket") if is_voice(tracker) else None,
            )
            return [SlotSet("ticket_request", "urge")]
        note = (tracker.latest_message.get("text") or "").strip() or None
        try:
            order = await off_loop(lambda: services.ticket_store().find_by_reference(number))
            allowed = order is not None and may_see(order, tracker)
            if order is not None and allowed and order.status not in {s.value for s in TERMINAL_STATUSES}:
                await off_loop(
                    lambda: services.ticket_store().append_event(order.number, URGE_ACTION, CALLER_ACTOR, note=note)
                )
        except Exception as error:  # noqa: BLE001
            logger.warning("urge unavailable: %s", type(error).__name__)
            dispatcher.utter_message(text=replies.ticket_lookup_unavailable())
            return _forget()
        if order is None:
            dispatcher.utter_message(text=replies.ticket_not_found(number))
            return _forget()
        if not allowed:
            dispatcher.utter_message(
                text=_ask_second_factor(order, tracker, urge=True), json_message=_keys_for_last4(tracker)
            )
            return [SlotSet("ticket_number", order.number), SlotSet("ticket_request", "urge")]
        if order.status in {s.value for s in TERMINAL_STATUSES}:
            dispatcher.utter_message(text=replies.urge_closed(order.number, order.status))
            return [SlotSet("ticket_number", order.number), SlotSet("ticket_request", None)]
        dispatcher.utter_message(
            text=replies.urged(order.number, order.department, voice=is_voice(tracker)),
            json_message={"urged": {"number": order.number}},
        )
        return [SlotSet("ticket_number", order.number), SlotSet("ticket_request", None)]
