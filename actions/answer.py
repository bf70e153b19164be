"""Answer a question from the knowledge base in the context of the conversation's topic, ask which
of two close matches is meant, or say honestly that we are not sure."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies, services
from actions.channels import is_voice
from actions.conversation import ActionCheckAnswer
from actions.parallel_hotline import offer_parallel_hotline
from knowledge_base.answer_forms import AnswerBody, facet_body, full_body, summary_body, voice_body
from knowledge_base.entry import KnowledgeEntry
from knowledge_base.facets import ANSWER_FACETS, FACETS, FULL, spoken_label
from knowledge_base.follow_up import Resolution, Topic, Turn, resolve
from knowledge_base.search import ANSWER, CLARIFY, EXPIRED

_TRAILING = "？?。.！!；;，, \n"


def _topic(entry: KnowledgeEntry) -> str:
    """A short spoken name of an entry: its title without trailing punctuation."""
    return entry.title.strip().rstrip(_TRAILING) or entry.answer.strip()[:20].rstrip(_TRAILING)


def clarify_question(first: KnowledgeEntry, second: KnowledgeEntry) -> str:
    """One short question a caller can answer by voice: 您问的是A，还是B？"""
    return f"您问的是“{_topic(first)}”，还是“{_topic(second)}”？"


def _values(tracker: Tracker, name: str) -> list[str]:
    """Values of entity `name` in the latest message, in the order they were said."""
    found = sorted(
        (e for e in tracker.latest_message.get("entities") or [] if e.get("entity") == name),
        key=lambda e: e.get("start") or 0,
    )
    return [str(e.get("value") or "") for e in found if e.get("value")]


def _entity(tracker: Tracker, name: str) -> str:
    """The first value of entity `name` in the latest message, "" when none."""
    values = _values(tracker, name)
    return values[0] if values else ""


def read_turn(tracker: Tracker) -> Turn:
    """The caller's turn as the NLU read it: text, the facet asked for, elliptical or not, new subject."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    facet = _entity(tracker, "facet")
    return Turn(
        text=tracker.latest_message.get("text") or "",
        facet=facet if facet in ANSWER_FACETS else "",
        elliptical=intent == "ask_facet",
        subject=_entity(tracker, "subject") or _entity(tracker, "service_item"),
        services=tuple(dict.fromkeys(_values(tracker, "service_item"))),
    )


def answer_body(entry: KnowledgeEntry, facet: str, query: str, voice: bool) -> AnswerBody:
    """The part of `entry` to show: the facet asked for, the whole guide, or a short summary."""
    budget = replies.answer_budget(entry)
    body = None
    if facet == FULL:
        body = full_body(entry)
    elif facet in FACETS:
        body = facet_body(entry, facet, budget)
    body = body or summary_body(entry, query, budget)
    return voice_body(entry, body) if voice else body


def topic_events(entry: KnowledgeEntry, body: AnswerBody) -> list[EventType]:
    """The new topic: this entry, the facet just shown (kept for "那XX呢"), and whether more was offered."""
    return [
        SlotSet("topic_entry", entry.id),
        SlotSet("topic_facet", body.facet if body.facet in FACETS else None),
        SlotSet("offered_full_guide", body.truncated),
    ]


def source_card(entry: KnowledgeEntry) -> dict[str, str]:
    """The answer's source as the chat widget shows it (empty fields left out)."""
    source = entry.source
    card = {
        "title": source.title,
        "doc_number": source.doc_number,
        "issuer": source.issuer,
        "section": source.section,
        "department": entry.department,
        "valid_to": entry.valid_to,
    }
    return {key: value for key, value in card.items() if value}


def guide_card(entry: KnowledgeEntry) -> dict[str, list[str]]:
    """A guide's steps and materials, for the widget's step list and checklist (empty for other entries)."""
    return {facet: list(entry.facets[facet]) for facet in ("steps", "materials") if entry.facets.get(facet)}


def send_answer(
    dispatcher: CollectingDispatcher,
    entry: KnowledgeEntry,
    body: AnswerBody,
    score: float,
    from_topic: bool,
    written: AnswerBody | None = None,
) -> list[EventType]:
    """The answer as the channel shows it. ``written``: on the phone, the chat form of the same
    answer, which the voice line offers to send by SMS (``body`` is then the spoken form)."""
    knowledge: dict[str, Any] = {
        "entry_id": entry.id,
        "score": round(score, 4),
        "facet": body.facet,
        "from_topic": from_topic,
        "source": source_card(entry),
    }
    guide = guide_card(entry)
    if guide:
        knowledge["guide"] = guide
    if written is not None:
        payload = {"knowledge": knowledge, "voice": {"sms_text": replies.sms_answer(entry, written)}}
        dispatcher.utter_message(text=replies.spoken_answer(entry, body), json_message=payload)
        return topic_events(entry, body)
    dispatcher.utter_message(text=replies.knowledge_answer(entry, body), json_message={"knowledge": knowledge})
    return topic_events(entry, body)


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        topic = Topic(tracker.get_slot("topic_entry") or "", tracker.get_slot("topic_facet") or "")
        resolution = resolve(services.searcher(), read_turn(tracker), topic)
        return self._reply(dispatcher, resolution, is_voice(tracker))

    @staticmethod
    def _reply(dispatcher: CollectingDispatcher, resolution: Resolution, voice: bool) -> list[EventType]:
        decision, best = resolution.decision, resolution.decision.best
        if decision.action == ANSWER and best:
            body = answer_body(best.entry, resolution.facet, resolution.query, voice)
            written = answer_body(best.entry, resolution.facet, resolution.query, False) if voice else None
            return send_answer(dispatcher, best.entry, body, best.score, resolution.from_topic, written)
        # The facet asked for waits for the service the caller names next; after "A or B?", a
        # follow-up that answers neither is taken to be about A, the closer one.
        clarifying = decision.action == CLARIFY and len(decision.hits) >= 2
        pending = [
            SlotSet("topic_entry", decision.hits[0].entry.id if clarifying else None),
            SlotSet("topic_facet", resolution.facet if resolution.facet in FACETS else None),
        ]
        if resolution.needs_topic:
            dispatcher.utter_message(
                text=replies.ask_which_service(spoken_label(resolution.facet)),
                json_message={"knowledge": {"needs_topic": True, "facet": resolution.facet}},
            )
            return pending
        if clarifying:
            first, second = decision.hits[0].entry, decision.hits[1].entry
            # Choosing a button (or saying the topic) asks again with the topic's own words.
            dispatcher.utter_message(
                text=clarify_question(first, second),
                buttons=[{"title": _topic(entry), "payload": _topic(entry)} for entry in (first, second)],
                json_message={"knowledge": {"clarify": [first.id, second.id]}},
            )
            return pending
        if decision.action == EXPIRED and best:
            dispatcher.utter_message(
                text=replies.expired_answer(best.entry), json_message={"knowledge": {"expired": best.entry.id}}
            )
            return []
        # Not sure: the closest entries go to the agent's hand-off summary (action_check_answer).
        candidates = [{"entry_id": hit.entry.id, "score": round(hit.score, 4)} for hit in decision.hits[:3]]
        dispatcher.utter_message(
            text=replies.not_sure(voice), json_message={"knowledge": {"unsure": True, "candidates": candidates}}
        )
        if voice:  # not sure here, but the matter may be a parallel hotline's (12315 …): offer the transfer
            offer_parallel_hotline(dispatcher, resolution.query, None)
        return []


def answer_and_check(dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
    """The knowledge answer and its bookkeeping, for actions that find a question in a turn."""
    events = ActionAnswerQuestion().run(dispatcher, tracker, domain)
    return events + ActionCheckAnswer().run(dispatcher, tracker, domain)
