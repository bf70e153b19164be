"""Conversation-level actions: failures → human agent, emergencies, the closing rating."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import replies, services
from actions.channels import hang_up, is_voice
from actions.offload import off_loop
from actions.understanding import SKIPPED, declines_rating, parse_rating
from routing.emergency import advice_for_emergency, detect_emergency, emergency_hint

logger = logging.getLogger(__name__)
FAILURES_BEFORE_OFFER = 2
# Intents that bring up another matter: the rating waits no longer for them.
OTHER_MATTER_INTENTS = frozenset(
    {"ask_info", "ask_facet", "complain", "seek_help", "suggest", "praise", "ask_ticket_status", "urge_ticket"}
)


def bot_payloads_since_last_user(tracker: Tracker) -> list[dict[str, Any]]:
    """Custom payloads (json_message) of the bot's messages in the current turn."""
    payloads: list[dict[str, Any]] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            custom = (event.get("data") or {}).get("custom")
            if isinstance(custom, dict):
                payloads.append(custom)
    return list(reversed(payloads))


def knowledge_candidates(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entry ids (and scores) the knowledge answer reported: its answer, candidates or clarify pair.

    actions/answer.py sends ``{"knowledge": {"entry_id", "score"}}`` for an answer and
    ``{"knowledge": {"clarify": [id, id]}}`` when it asks which of two entries is meant.
    """
    found: list[dict[str, Any]] = []
    for payload in payloads:
        block = payload.get("knowledge")
        if not isinstance(block, dict):
            continue
        if block.get("entry_id"):
            found.append({k: block[k] for k in ("entry_id", "score") if k in block})
        for item in block.get("candidates") or []:
            if isinstance(item, dict):
                found.append(dict(item))
        for entry_id in block.get("clarify") or []:
            found.append({"entry_id": entry_id})
    return found


def _answered(payloads: list[dict[str, Any]]) -> bool:
    return any(isinstance(p.get("knowledge"), dict) and p["knowledge"].get("entry_id") for p in payloads)


def _clarifying(payloads: list[dict[str, Any]]) -> bool:
    """The answer asked back: which of two entries, or which service an elliptical question is about."""
    return any(
        isinstance(p.get("knowledge"), dict) and (p["knowledge"].get("clarify") or p["knowledge"].get("needs_topic"))
        for p in payloads
    )


class ActionCheckAnswer(Action):
    """After a knowledge answer: count failures in a row and offer a human agent after two.

    A clarifying question is no failure; the caller's short reply goes back to the knowledge
    answer (awaiting_clarification, see actions/short_reply.py).
    """

    def name(self) -> str:
        return "action_check_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        payloads = bot_payloads_since_last_user(tracker)
        candidates = knowledge_candidates(payloads)
        clarifying = _clarifying(payloads)
        events: list[EventType] = [
            SlotSet("candidate_answers", candidates or None),
            SlotSet("awaiting_clarification", clarifying),
        ]
        if _answered(payloads) or clarifying:
            return events + [SlotSet("failure_count", 0.0), SlotSet("offered_human", False)]
        failures = int(tracker.get_slot("failure_count") or 0) + 1
        if failures >= FAILURES_BEFORE_OFFER and not tracker.active_loop.get("name"):
            dispatcher.utter_message(response="utter_offer_human")
            return events + [SlotSet("failure_count", 0.0), SlotSet("offered_human", True)]
        return events + [SlotSet("failure_count", float(failures))]


class ActionDeclineHuman(Action):
    def name(self) -> str:
        return "action_decline_human"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_human_declined")
        return [SlotSet("offered_human", False), SlotSet("failure_count", 0.0)]


# Below this NLU confidence, an emergency intent whose words name no fire, crime or injury is doubted.
EMERGENCY_SURE = 0.9


def doubtful_emergency(text: str, confidence: float | None, numbers: dict[str, str] | None) -> bool:
    """The emergency intent with less than EMERGENCY_SURE confidence and no emergency in the words."""
    if confidence is not None and confidence >= EMERGENCY_SURE:
        return False
    return detect_emergency(text, numbers) is None and not emergency_hint(text)


def city_emergency_numbers() -> dict[str, str] | None:
    """The city's own emergency numbers; None (the national ones) when the city data cannot be read."""
    try:
        return services.directory().emergency_numbers
    except Exception:  # an emergency is answered even when the city data cannot be read
        logger.exception("city directory unavailable; the national emergency numbers apply")
        return None


class ActionEmergency(Action):
    """The right emergency number at once; any running form stops."""

    def name(self) -> str:
        return "action_emergency"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        events: list[EventType] = []
        if tracker.active_loop.get("name"):
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        numbers = city_emergency_numbers()  # routing.emergency with the city's own numbers, as the web app
        if doubtful_emergency(text, (tracker.latest_message.get("intent") or {}).get("confidence"), numbers):
            # The NLU alone, not sure, and nothing in the words of a fire, a crime or an injury:
            # the numbers in one sentence, then the question answered ("助学贷款利息还用还不").
            from actions.answer import answer_and_check  # actions.answer imports this module

            dispatcher.utter_message(text=replies.emergency_caveat(numbers))
            return events + answer_and_check(dispatcher, tracker, domain)
        advice = advice_for_emergency(text, numbers)
        dispatcher.utter_message(
            text=replies.emergency(advice.number, advice.advice),
            json_message={"emergency": {"number": advice.number, "transfer": advice.number}},
        )
        return events


class ValidateSatisfactionForm(FormValidationAction):
    def name(self) -> str:
        return "validate_satisfaction_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        # One rating per conversation: a second goodbye just says goodbye.
        return [] if tracker.get_slot("rating_done") else ["satisfaction_score"]

    def validate_satisfaction_score(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = value if isinstance(value, str) else ""
        score = parse_rating(text)
        if score is not None:
            return {"satisfaction_score": str(score)}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if declines_rating(text) or intent in ("deny", "goodbye"):
            return {"satisfaction_score": SKIPPED}
        if intent in OTHER_MATTER_INTENTS:
            # The caller has another matter; do not hold them in the rating.
            return {"satisfaction_score": SKIPPED}
        dispatcher.utter_message(text=replies.satisfaction_retry())
        return {"satisfaction_score": None}


class ActionFinishConversation(Action):
    """Store the rating (1-5) with the conversation and its last work order, then say goodbye."""

    def name(self) -> str:
        return "action_finish_conversation"

    @staticmethod
    async def _store_rating(conversation_id: str, score: int, number: str | None) -> None:
        """With the work order when it can, else with the conversation alone; a failure is only logged."""
        store = services.ticket_store
        try:
            await off_loop(lambda: store().record_satisfaction(conversation_id, score, number=number))
            return
        except Exception:  # the caller still gets a goodbye; the log says why
            logger.exception("could not store the satisfaction rating with work order %s", number)
        if number:
            try:
                await off_loop(lambda: store().record_satisfaction(conversation_id, score))
            except Exception:
                logger.exception("could not store the satisfaction rating")

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        value = tracker.get_slot("satisfaction_score")
        if is_voice(tracker):  # on the phone the goodbye below ends the call
            dispatcher.utter_message(json_message=hang_up())
        if tracker.get_slot("rating_done") and value is None:
            dispatcher.utter_message(response="utter_goodbye")
            return []
        done = [SlotSet("satisfaction_score", None), SlotSet("rating_done", True)]
        if value is None or value == SKIPPED:
            dispatcher.utter_message(text=replies.satisfaction_skipped())
            return done
        score = int(value)
        await self._store_rating(tracker.sender_id, score, tracker.get_slot("ticket_number"))
        dispatcher.utter_message(
            text=replies.satisfaction_thanks(score), json_message={"satisfaction": {"score": score}}
        )
        return done
