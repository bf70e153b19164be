"""The conversation's topic after an answer: "不是这个" drops it, "好" to the offer sends the whole guide."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import replies, services
from actions.answer import send_answer
from actions.channels import is_voice
from knowledge_base.answer_forms import full_body, voice_body

CLEARED = [SlotSet("topic_entry", None), SlotSet("topic_facet", None), SlotSet("offered_full_guide", False)]


def rejects_answer(tracker: Tracker) -> bool:
    """ "不是这个" after an answer: the NLU's wrong_answer entity, with a topic to drop."""
    entities = tracker.latest_message.get("entities") or []
    return bool(tracker.get_slot("topic_entry")) and any(e.get("entity") == "wrong_answer" for e in entities)


class ActionClearTopic(Action):
    """The answer was not what the caller meant: forget the topic, ask again, and count it as a miss."""

    def name(self) -> str:
        return "action_clear_topic"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        rejected = tracker.get_slot("topic_entry")
        dispatcher.utter_message(text=replies.topic_cleared(), json_message={"knowledge": {"cleared": rejected}})
        failures = int(tracker.get_slot("failure_count") or 0) + 1
        return [*CLEARED, SlotSet("failure_count", float(failures))]


def answer_offer(dispatcher: CollectingDispatcher, tracker: Tracker, accepted: bool) -> list[EventType]:
    """The caller's yes or no to "需要完整的办事指南吗？"."""
    entry = services.searcher().entry(tracker.get_slot("topic_entry") or "")
    if not accepted or entry is None:
        dispatcher.utter_message(text=replies.full_guide_declined())
        return [SlotSet("offered_full_guide", False)]
    body = full_body(entry)
    if is_voice(tracker):
        return send_answer(dispatcher, entry, voice_body(entry, body), 1.0, from_topic=True, written=body)
    return send_answer(dispatcher, entry, body, 1.0, from_topic=True)
