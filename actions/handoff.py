"""Hand the conversation to a human agent with a summary they can act on."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.channels import is_voice
from actions.conversation import OTHER_MATTER_INTENTS
from actions.offload import off_loop
from tickets.handoffs import HandoffQueue

logger = logging.getLogger(__name__)

SUMMARY_SLOTS = (
    "order_kind",
    "complaint_description",
    "location",
    "district",
    "phone",
    "ticket_number",
    "satisfaction_score",
    "topic_entry",
    "topic_facet",
)
# Intents that say what the conversation is about (not how it is going).
TOPIC_INTENTS = OTHER_MATTER_INTENTS | {"emergency", "out_of_scope", "nlu_fallback"}
RECENT_MESSAGES = 5


def conversation_summary(tracker: Tracker) -> dict[str, Any]:
    """Topic intent, filled slots, entities, candidate answers and recent messages for the agent's screen."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    intents = [((e.get("parse_data") or {}).get("intent") or {}).get("name") for e in users]
    topic = next((name for name in reversed(intents) if name in TOPIC_INTENTS), None)
    entities: dict[str, list[str]] = {}
    for event in users:
        for entity in (event.get("parse_data") or {}).get("entities") or []:
            values = entities.setdefault(str(entity.get("entity")), [])
            if str(entity.get("value")) not in values:
                values.append(str(entity.get("value")))
    return {
        "intent": topic or (tracker.latest_message.get("intent") or {}).get("name"),
        "intents": [name for name in intents if name],
        "slots": {name: tracker.get_slot(name) for name in SUMMARY_SLOTS if tracker.get_slot(name)},
        "entities": entities,
        "candidate_answers": tracker.get_slot("candidate_answers") or [],
        # "/request_human" is a key press on the phone (0, or the third silence), not the caller's words.
        "recent_messages": [e.get("text") for e in users if e.get("text") and not e["text"].startswith("/")][
            -RECENT_MESSAGES:
        ],
    }


def topic_department(tracker: Tracker) -> str | None:
    """The department the conversation is about: the answered entry's, else the complaint's route."""
    try:
        entry = services.searcher().entry(tracker.get_slot("topic_entry") or "")
        if entry is not None and entry.department:
            return str(entry.department)
        description = tracker.get_slot("complaint_description")
        if description:
            return services.router().route(description, tracker.get_slot("district") or None).department
    except Exception as error:  # noqa: BLE001 - the general queue still takes the call
        logger.warning("no department for the hand-off (%s)", type(error).__name__)
    return None


class ActionHandoff(Action):
    """Queue the conversation for an agent; the summary goes to the agents' queue, never to the channel.

    The summary carries the caller's address and phone, so the channel only learns that the
    conversation is queued. If the queue's database is unavailable the agent can still read the
    conversation itself from Rasa's tracker store.
    """

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        summary = conversation_summary(tracker)
        channel = tracker.get_latest_input_channel() or "rest"
        try:
            handoff_id: int | None = await off_loop(
                lambda: HandoffQueue(services.ticket_store()).enqueue(tracker.sender_id, channel, summary)
            )
        except Exception as error:  # noqa: BLE001 - the caller still reaches a person
            logger.warning("hand-off not queued (%s)", type(error).__name__)
            handoff_id = None
        handoff: dict[str, Any] = {"queued": handoff_id is not None}
        if is_voice(tracker):  # the phone line queues the call for the 专席 of this department
            handoff["department"] = topic_department(tracker)
        dispatcher.utter_message(response="utter_handoff", json_message={"handoff": handoff})
        events: list[dict] = [SlotSet("offered_human", False), SlotSet("failure_count", 0.0)]
        if tracker.active_loop.get("name"):
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events
