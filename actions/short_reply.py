"""A bare "好" / "不用" / number outside any form: what it answers depends on what we asked last.

The dialogue policy cannot see these slots (no slot steers the dialogue, see bot/domain.yml);
this action reads them instead, so one rule covers every short reply:

* after "需要转人工吗？" (offered_human): yes → hand-off with the summary, no → carry on;
* after "请告诉我工单号" (ticket_request): the number → status or 催办;
* after a clarifying question of the knowledge answer (awaiting_clarification): back to it;
* "不是这个" after an answer (the wrong_answer entity): the topic is dropped (actions/topic.py);
* after "需要完整的办事指南吗？" (offered_full_guide): yes → the whole guide, no → carry on;
* a question about a facet the NLU took for a bare reply ("登记花钱不"): the knowledge answer;
* otherwise: ask what the caller needs.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer import answer_and_check
from actions.conversation import ActionDeclineHuman
from actions.handoff import ActionHandoff
from actions.ticket_status import ActionTicketStatus, ActionUrgeTicket, ticket_number_from
from actions.topic import ActionClearTopic, answer_offer, rejects_answer


class ActionShortReply(Action):
    def name(self) -> str:
        return "action_short_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if tracker.get_slot("offered_human"):
            if intent == "affirm":
                return await ActionHandoff().run(dispatcher, tracker, domain)
            if intent == "deny":
                return ActionDeclineHuman().run(dispatcher, tracker, domain)
        request = tracker.get_slot("ticket_request")
        if request and ticket_number_from(tracker):
            delegate = ActionUrgeTicket() if request == "urge" else ActionTicketStatus()
            return await delegate.run(dispatcher, tracker, domain)
        if tracker.get_slot("awaiting_clarification"):
            return answer_and_check(dispatcher, tracker, domain)
        if rejects_answer(tracker):
            return ActionClearTopic().run(dispatcher, tracker, domain)
        if tracker.get_slot("offered_full_guide") and intent in ("affirm", "deny"):
            return answer_offer(dispatcher, tracker, accepted=intent == "affirm")
        if any(e.get("entity") == "facet" for e in tracker.latest_message.get("entities") or []):
            # "登记花钱不" read as a bare no: it asks about the matter under discussion
            return answer_and_check(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_how_can_help")
        return [SlotSet("offered_human", False)]
