"""Answer a question from the knowledge base, ask which of two close matches is meant, or say
honestly that we are not sure."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import replies, services
from knowledge_base.entry import KnowledgeEntry
from knowledge_base.search import ANSWER, CLARIFY, EXPIRED

_TRAILING = "？?。.！!；;，, \n"


def _topic(entry: KnowledgeEntry) -> str:
    """A short spoken name of an entry: its title without trailing punctuation."""
    return entry.title.strip().rstrip(_TRAILING) or entry.answer.strip()[:20].rstrip(_TRAILING)


def clarify_question(first: KnowledgeEntry, second: KnowledgeEntry) -> str:
    """One short question a caller can answer by voice: 您问的是A，还是B？"""
    return f"您问的是“{_topic(first)}”，还是“{_topic(second)}”？"


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        question = tracker.latest_message.get("text") or ""
        decision = services.searcher().decide(question)
        best = decision.best
        if decision.action == ANSWER and best:
            dispatcher.utter_message(
                text=replies.knowledge_answer(best.entry),
                json_message={"knowledge": {"entry_id": best.entry.id, "score": round(best.score, 4)}},
            )
        elif decision.action == CLARIFY and len(decision.hits) >= 2:
            first, second = decision.hits[0].entry, decision.hits[1].entry
            # Choosing a button (or saying the topic) asks again with the topic's own words.
            dispatcher.utter_message(
                text=clarify_question(first, second),
                buttons=[{"title": _topic(entry), "payload": _topic(entry)} for entry in (first, second)],
                json_message={"knowledge": {"clarify": [first.id, second.id]}},
            )
        elif decision.action == EXPIRED and best:
            dispatcher.utter_message(text=replies.expired_answer(best.entry))
        else:
            dispatcher.utter_message(text=replies.not_sure())
        return []
