"""The complaint form: collect, validate, read back, and create the work order."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import replies, services
from actions.channels import CONFIRM_KEYS, is_voice, voice_keys
from actions.offload import off_loop
from actions.parallel_hotline import offer_parallel_hotline
from actions.understanding import correction_text, mentions_location, names_only_a_district, place_phrase
from tickets.intake import file_work_order
from tickets.references import submission_ref
from tickets.status import WorkOrderKind
from tickets.store import NewWorkOrder, content_hash

logger = logging.getLogger(__name__)

FORM_SLOTS = ("order_kind", "complaint_description", "location", "district", "phone", "complaint_confirmed")
RESET_SLOTS = (*FORM_SLOTS, "correction_asked")
# Praise and suggestions need no place: they are about a department or the city as a whole.
PLACELESS_KINDS = frozenset({WorkOrderKind.SUGGESTION.value, WorkOrderKind.PRAISE.value})
KIND_BY_INTENT = {
    "complain": WorkOrderKind.COMPLAINT.value,
    "seek_help": WorkOrderKind.HELP.value,
    "suggest": WorkOrderKind.SUGGESTION.value,
    "praise": WorkOrderKind.PRAISE.value,
}
# Intents whose words describe the matter, so "那我要投诉" after them can reuse them.
DESCRIBING_INTENTS = frozenset({"ask_info", "nlu_fallback", "complain", "seek_help", "suggest", "praise"})
CORRECTABLE_ENTITIES = frozenset({"district", "phone", "address", "town"})
MIN_DESCRIPTION_CHARS = 6
# An opening like "我要投诉" says nothing about what happened; ask for details.
GENERIC_OPENING = re.compile(
    r"^(那|那就|那我|嗯|那个|[，,\s])*(我)?(想|要)?(帮我)?(投诉|举报|反映|求助|反应|提|提个|表扬|登记|建议)+(吧)?"
    r"(一下|个|一个|一条|点)?(问题|情况|事情|事|建议|意见|诉求|人)?(吧)?[。！!，,\s]*$"
)
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９－", "0123456789-")


def normalize_phone(text: str) -> str | None:
    """A valid 11-digit mobile or a landline with area code, else None."""
    candidate = re.sub(r"[\s—–－()（）]", "", text.translate(FULL_WIDTH_DIGITS))
    for match in re.finditer(r"0\d{2,3}-?\d{7,8}|1[3-9]\d{9}|\d[\d-]{5,}", candidate):
        value = match.group(0)
        if MOBILE.match(value) or LANDLINE.match(value):
            return value
    return None


def is_meaningful_description(text: str) -> bool:
    stripped = text.strip()
    return len(stripped) >= MIN_DESCRIPTION_CHARS and not GENERIC_OPENING.match(stripped)


class ValidateComplaintForm(FormValidationAction):
    def name(self) -> str:
        return "validate_complaint_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        if tracker.get_slot("order_kind") in PLACELESS_KINDS:
            return ["order_kind", "complaint_description", "phone", "complaint_confirmed"]
        return list(FORM_SLOTS)

    # ---- extraction -------------------------------------------------------------------------
    async def extract_order_kind(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The kind comes from the intent that opened the form and stays for the whole form."""
        if tracker.get_slot("order_kind"):
            return {}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        return {"order_kind": KIND_BY_INTENT.get(intent, WorkOrderKind.COMPLAINT.value)}

    async def extract_complaint_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """At the start of the form: the opening words, or what the caller said just before.

        "那我要投诉" after a question reuses the question ("小区门口天天堆垃圾怎么办") as the
        description, so the caller does not have to say it again.
        """
        if tracker.get_slot("complaint_description") or tracker.get_slot("requested_slot"):
            return {}
        text = (tracker.latest_message.get("text") or "").strip()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in KIND_BY_INTENT and is_meaningful_description(text):
            return {"complaint_description": text}
        earlier = previous_user_message(tracker)
        if earlier and earlier[1] in DESCRIBING_INTENTS and is_meaningful_description(earlier[0]):
            return {"complaint_description": earlier[0].strip()}
        return {}

    async def extract_location(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """An address said before it was asked for, or a corrected place at the read-back."""
        requested = tracker.get_slot("requested_slot")
        if requested == "location":
            return {}  # the from_text mapping takes the whole answer
        entities = tracker.latest_message.get("entities") or []
        places = [e for e in entities if e.get("entity") in ("address", "town")]
        text = tracker.latest_message.get("text") or ""
        if requested == "complaint_confirmed" and (places or mentions_location(text)):
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            if intent in ("deny", "inform") and not any(e.get("entity") == "phone" for e in entities):
                value = correction_text(text)
                if len(value) >= 2:
                    return {"location": value}
        if requested is None and not tracker.get_slot("location") and places:
            return {"location": _named_place(text, places)}
        return {}

    async def extract_correction_asked(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {}

    # ---- validation -------------------------------------------------------------------------
    def validate_complaint_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if isinstance(value, str) and is_meaningful_description(value):
            if is_voice(tracker):
                offer_parallel_hotline(dispatcher, value, tracker.get_slot("district"))
            return {"complaint_description": value.strip()}
        dispatcher.utter_message(text="麻烦您再具体说说：发生了什么事、持续多久了、影响到了什么。")
        return {"complaint_description": None}

    def validate_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = (value or "").strip() if isinstance(value, str) else ""
        if len(text) < 2:
            dispatcher.utter_message(text="请说一下具体地点，比如哪条路、哪个小区或者附近的标志性建筑。")
            return {"location": None}
        result: dict[str, Any] = {"location": text}
        district = services.directory().find_district(text)
        if district:
            result["district"] = district
            asked = tracker.get_slot("requested_slot") == "location"
            if asked and _district_only(text, district) and not _detail_already_asked(tracker):
                result["location"] = None  # action_ask_location asks for the street once
        return result

    def validate_district(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        district = services.directory().find_district(value) if isinstance(value, str) else None
        if district:
            return {"district": district}
        if tracker.get_slot("requested_slot") != "district":
            return {"district": tracker.get_slot("district")} if tracker.get_slot("district") else {}
        dispatcher.utter_message(text="没有听清是哪个区县，请再说一遍，比如“山阳区”或者“温县”。")
        return {"district": None}

    def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        phone = normalize_phone(value) if isinstance(value, str) else None
        if phone:
            return {"phone": phone}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "deny" and tracker.get_slot("order_kind") in PLACELESS_KINDS:
            return {"phone": replies.NO_PHONE}
        dispatcher.utter_message(text="这个号码好像不对。请说11位手机号，或者带区号的固定电话，比如0391-1234567。")
        return {"phone": None}

    def validate_complaint_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """ "不对，是山阳区" corrects and reads back again; a bare "不对" asks what to change once."""
        if value is not False:
            return {"complaint_confirmed": value}
        corrected = set(tracker.slots_to_validate()) & {"district", "phone", "location"}
        entities = {e.get("entity") for e in tracker.latest_message.get("entities") or []}
        if corrected or entities & CORRECTABLE_ENTITIES:
            return {"complaint_confirmed": None, "correction_asked": False}
        if not tracker.get_slot("correction_asked"):
            dispatcher.utter_message(text=replies.ask_what_to_correct())
            return {"complaint_confirmed": None, "correction_asked": True}
        return {"complaint_confirmed": False}


def previous_user_message(tracker: Tracker) -> tuple[str, str | None] | None:
    """Text and intent of the caller's message before the latest one."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return None
    event = users[-2]
    return event.get("text") or "", ((event.get("parse_data") or {}).get("intent") or {}).get("name")


class ActionAskComplaintConfirmed(Action):
    """Read the collected details back before anything is filed."""

    def name(self) -> str:
        return "action_ask_complaint_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        kind = tracker.get_slot("order_kind") or WorkOrderKind.COMPLAINT.value
        placeless = kind in PLACELESS_KINDS
        dispatcher.utter_message(
            text=replies.read_back(
                tracker.get_slot("complaint_description") or "",
                "" if placeless else tracker.get_slot("location") or "",
                "" if placeless else tracker.get_slot("district") or "",
                tracker.get_slot("phone") or "",
                kind,
                voice=is_voice(tracker),
            ),
            json_message=voice_keys(CONFIRM_KEYS) if is_voice(tracker) else None,
        )
        return []


class ActionAskLocation(Action):
    """Ask where it happened; once the district is known, ask only for the street or landmark."""

    def name(self) -> str:
        return "action_ask_location"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        district = tracker.get_slot("district")
        if district:
            dispatcher.utter_message(text=replies.ask_address_detail(district))
        else:
            dispatcher.utter_message(response="utter_ask_location")
        return []


def _named_place(text: str, places: list[dict[str, Any]]) -> str:
    """The place phrase around the extracted entities, or their values when offsets are missing."""
    spans = [
        (e["start"], e["end"]) for e in places if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)
    ]
    phrase = place_phrase(text, spans) if len(spans) == len(places) else ""
    return phrase or "".join(str(e.get("value")) for e in places)


def _district_only(text: str, district: str) -> bool:
    found = services.directory().district(district)
    return names_only_a_district(text, found.all_names if found else (district,))


def _detail_already_asked(tracker: Tracker) -> bool:
    """The caller was already asked for the street: take what they said rather than ask forever."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return replies.ADDRESS_DETAIL_MARK in (event.get("text") or "")
    return False


def confirmed_at_read_back(tracker: Tracker) -> bool:
    """Whether the caller's latest message answered the read-back.

    Slots of a submission that failed (the action server died before it could clear them) would
    otherwise file that old complaint, unread, on the caller's next complaint.
    """
    seen_latest = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_latest:
                return False
            seen_latest = True
        elif seen_latest and event.get("event") == "bot":
            return replies.READ_BACK_MARK in (event.get("text") or "")
    return False


def ask_again(tracker: Tracker) -> list[EventType]:
    """Back into the form instead of filing: a new complaint starts afresh, anything else is read
    back again so the caller confirms what will be filed."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    text = (tracker.latest_message.get("text") or "").strip()
    if intent in KIND_BY_INTENT and text != (tracker.get_slot("complaint_description") or ""):
        return [
            *(SlotSet(slot, None) for slot in RESET_SLOTS),
            SlotSet("requested_slot", None),
            FollowupAction("complaint_form"),
        ]
    return [SlotSet("complaint_confirmed", None), FollowupAction("complaint_form")]


class ActionSubmitComplaint(Action):
    """Create the work order once the caller confirmed; clear the form either way.

    The order is written to the durable outbox first (tickets/outbox.py), then filed. If the
    database does not answer within the deadline the caller is told the truth: recorded under a
    reference, the work-order number follows; the outbox files it once the database is back.
    """

    def name(self) -> str:
        return "action_submit_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        reset = [SlotSet(slot, None) for slot in RESET_SLOTS]
        confirmed = tracker.get_slot("complaint_confirmed")
        if confirmed is False:
            dispatcher.utter_message(response="utter_complaint_cancelled")
            return reset
        if confirmed is not True or not confirmed_at_read_back(tracker):
            return ask_again(tracker)
        new = self._new_work_order(tracker)
        try:
            await off_loop(services.outbox().append, new)  # durable before the caller hears anything
        except Exception as error:  # noqa: BLE001 - not durable yet: say so and read it back again
            logger.warning("outbox write failed (%s); asking the caller to confirm again", type(error).__name__)
            dispatcher.utter_message(text=replies.submit_busy())
            return [SlotSet("complaint_confirmed", None), FollowupAction("complaint_form")]
        try:
            order = await off_loop(lambda: file_work_order(services.ticket_store(), new))
        except Exception as error:  # noqa: BLE001 - the database is down, locked or slow: the outbox has it
            logger.warning("work order kept in the outbox (%s): %s", type(error).__name__, new.public_ref)
            services.start_outbox_delivery()
            dispatcher.utter_message(
                text=replies.work_order_deferred(new.public_ref or "", voice=is_voice(tracker)),
                json_message={"work_order": {"reference": new.public_ref, "kind": new.kind, "pending": True}},
            )
            return [*reset, SlotSet("ticket_number", None)]
        try:
            await off_loop(services.outbox().mark_delivered, new.public_ref or "")
        except Exception as error:  # noqa: BLE001 - unmarked only means a redelivery, which finds the order
            logger.warning("outbox entry not marked delivered (%s)", type(error).__name__)
        dispatcher.utter_message(
            text=replies.work_order_created(
                order.number,
                order.department,
                order.local_government,
                new.kind,
                voice=is_voice(tracker),
                needs_review=order.needs_review,
            ),
            json_message={
                "work_order": {
                    "number": order.number,
                    "reference": order.public_ref,
                    "department": order.department,
                    "kind": new.kind,
                }
            },
        )
        return [*reset, SlotSet("ticket_number", order.number)]

    @staticmethod
    def _new_work_order(tracker: Tracker) -> NewWorkOrder:
        kind = tracker.get_slot("order_kind") or WorkOrderKind.COMPLAINT.value
        description = tracker.get_slot("complaint_description") or ""
        district = tracker.get_slot("district") or ""
        location = tracker.get_slot("location") or ""
        phone = tracker.get_slot("phone") or ""
        decision = services.router().route(description, district or None)
        new = NewWorkOrder(
            kind=kind,
            description=description,
            district=district or None,
            address=location or None,
            phone=None if phone == replies.NO_PHONE else phone,
            department=decision.department,
            local_government=decision.local_government,
            routing_reason=decision.reason,
            needs_review=decision.needs_review,
            conversation_id=tracker.sender_id,
            urgency=decision.tier,
            matter=decision.matter,
        )
        return replace(new, public_ref=submission_ref(tracker.sender_id, content_hash(new)))
