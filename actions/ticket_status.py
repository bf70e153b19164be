"""Tell a caller where their work order stands, and urge it (催办)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies, services
from actions.channels import is_voice
from tickets.status import CALLER_VISIBLE_NOTE_ACTIONS, TERMINAL_STATUSES
from tickets.store import normalize_ticket_number

URGE_ACTION = "催办"
CALLER_ACTOR = "caller"


def ticket_number_from(tracker: Tracker) -> str | None:
    text = tracker.latest_message.get("text") or ""
    return normalize_ticket_number(text) or normalize_ticket_number(tracker.get_slot("ticket_number") or "")


class ActionTicketStatus(Action):
    def name(self) -> str:
        return "action_ticket_status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        number = ticket_number_from(tracker)
        if number and tracker.get_slot("ticket_request") == "urge":
            # "我要催办" → "请告诉我工单号" → "JZ…": the number completes the 催办.
            return ActionUrgeTicket().run(dispatcher, tracker, domain)
        if not number:
            dispatcher.utter_message(text=replies.ask_ticket_number())
            return [SlotSet("ticket_request", "status")]
        order = services.ticket_store().get(number)
        if order is None:
            dispatcher.utter_message(text=replies.ticket_not_found(number))
            return [SlotSet("ticket_number", None), SlotSet("ticket_request", None)]
        public = [e for e in services.ticket_store().events(number) if e.action in CALLER_VISIBLE_NOTE_ACTIONS]
        note = (public[-1].note or "") if public else ""
        shown = replies.spoken_ticket_number(order.number) if is_voice(tracker) else order.number
        dispatcher.utter_message(
            text=replies.ticket_status(
                shown, order.status, order.department or "",
                order.updated_at.strftime("%Y年%m月%d日 %H:%M"), note,
            )
        )
        return [SlotSet("ticket_number", order.number), SlotSet("ticket_request", None)]


class ActionUrgeTicket(Action):
    """催办: an open work order gets a 催办 event the department sees; a closed one cannot be urged."""

    def name(self) -> str:
        return "action_urge_ticket"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        number = ticket_number_from(tracker)
        if not number:
            dispatcher.utter_message(text=replies.ask_ticket_number_to_urge())
            return [SlotSet("ticket_request", "urge")]
        store = services.ticket_store()
        order = store.get(number)
        if order is None:
            dispatcher.utter_message(text=replies.ticket_not_found(number))
            return [SlotSet("ticket_number", None), SlotSet("ticket_request", None)]
        if order.status in {s.value for s in TERMINAL_STATUSES}:
            dispatcher.utter_message(text=replies.urge_closed(order.number, order.status))
            return [SlotSet("ticket_number", order.number), SlotSet("ticket_request", None)]
        note = (tracker.latest_message.get("text") or "").strip() or None
        store.append_event(order.number, URGE_ACTION, CALLER_ACTOR, note=note)
        dispatcher.utter_message(
            text=replies.urged(order.number, order.department, voice=is_voice(tracker)),
            json_message={"urged": {"number": order.number}},
        )
        return [SlotSet("ticket_number", order.number), SlotSet("ticket_request", None)]
