"""The voice dialogue's rules: menu, re-prompts and the three-failure policy, keypad phone entry
with read-back, what the assistant's replies become on a phone line (transfer, queue, SMS, hang-up).

The conversation itself is the assistant's (Rasa, through the gateway): this module decides what
the caller hears around it. One call's state is a :class:`telephony.calls.CallState`; each webhook is
one call of :meth:`VoiceDialogue.greet`, :meth:`VoiceDialogue.hear` (which may return a
:class:`Relay`: pass that text to the assistant, then call :meth:`VoiceDialogue.answer` with its
replies) or one of the callbacks (transfer ended, queue left, message recorded).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from telephony.calls import ENDED, MENU, PHONE_CONFIRM, PHONE_ENTRY, PHONE_OFFER, TALK, TICKET_ENTRY, CallState
from telephony.config import ParallelHotline, VoiceConfig
from telephony.numbers import digit_groups, is_mobile, last_four, national_number, normalise_speech, phone_number
from telephony.speech import Digits, Prompt, join, prompt
from telephony.steps import Hangup, Listen, Outcome, Relay, Sms, ToAgents, Transfer, Voicemail

# What a key press or menu choice says to the assistant.
HUMAN = "/request_human"  # Rasa's intent syntax: the hand-off rule, with the conversation summary
MENU_KEYS = {"2": "我要投诉", "3": "我要查询工单进度"}
HUMAN_KEY = "0"
YES_KEY, NO_KEY = "1", "2"
# Short spoken answers to a yes/no offer; "不" first, as "不对" contains "对".
_NO = re.compile(r"不|换|别|重新|错|没有")
_YES = re.compile(r"可以|对|好|是|行|嗯|确认|没问题|要|转")
_QUESTION_END = re.compile(r"[？?]\s*$")
_FIRST_QUESTION = re.compile(r"^[^。？?！!]{2,11}[？?]")  # ≤ 12 characters: the re-prompt stays under 6 s
# Replies that finish a matter (an answer, a filed or found work order, a 催办): "还有别的问题吗？" follows.
FINISHED = ("work_order", "ticket_status", "urged")


@dataclass(frozen=True)
class Heard:
    """One Gather result: ``SpeechResult`` / ``Confidence`` / ``Digits`` as the carrier sent them."""

    speech: str = ""
    digits: str = ""
    confidence: float | None = None


def yes_or_no(text: str) -> bool | None:
    if _NO.search(text):
        return False
    if _YES.search(text):
        return True
    return None


class VoiceDialogue:
    def __init__(
        self, config: VoiceConfig, sms_sign: str = "12345热线", sms: bool = True, ticket_prefix: str = "JZ"
    ) -> None:
        """``sms``: whether the carrier can send text messages (else none is offered or promised);
        ``ticket_prefix``: the city's work-order letters, put before 12 digits typed on the keypad."""
        self.config = config
        self.ticket_prefix = ticket_prefix
        self.prompts = config.prompts
        self.sms_sign = sms_sign
        self.sms = sms

    # ---- the call's first webhook ------------------------------------------------------------
    def greet(self, call: CallState) -> Outcome:
        call.mode = MENU
        return self._listen(call, join(self.prompts.greeting, self.prompts.menu), question=prompt(self.prompts.menu))

    # ---- every Gather result -----------------------------------------------------------------
    def hear(self, call: CallState, heard: Heard) -> Outcome | Relay:
        digits = (heard.digits or "").strip()
        speech = normalise_speech(heard.speech or "")
        unsure = bool(speech) and heard.confidence is not None and heard.confidence < self.config.min_confidence
        if call.mode in (PHONE_OFFER, PHONE_ENTRY, PHONE_CONFIRM):
            return self._phone_step(call, digits, "" if unsure else speech)
        if call.mode == TICKET_ENTRY:
            return self._ticket_step(call, digits, "" if unsure else speech)
        if call.expect_digits and digits and digits != HUMAN_KEY:
            call.expect_digits, call.failures, call.mode = 0, 0, TALK
            return Relay(digits)
        if digits == HUMAN_KEY:
            return self._escalate(call)
        if digits:
            return self._key(call, digits)
        if not speech or unsure:
            return self._failed(call)
        call.failures = 0
        call.mode = TALK
        offered = call.transfer
        call.transfer, call.sms_text, keys = None, None, call.keys
        call.keys = {}
        if offered is not None and yes_or_no(speech) and re.search(r"转|接", speech):
            return self._transfer(call, offered)
        return Relay(keys.get(speech, speech))

    # ---- the assistant's replies to a relayed turn ---------------------------------------------
    def answer(self, call: CallState, replies: Sequence[Mapping[str, Any]]) -> Outcome:
        texts: list[str] = []
        custom: dict[str, Any] = {}
        for reply in replies:
            if reply.get("text"):
                texts.append(str(reply["text"]))
            if isinstance(reply.get("custom"), Mapping):
                for key, value in reply["custom"].items():
                    if key == "voice" and isinstance(value, Mapping):
                        custom.setdefault("voice", {}).update(value)
                    else:
                        custom[key] = value
        voice = custom.get("voice") or {}
        said = join(*texts)
        if "emergency" in custom:
            return self._emergency(call, said, str((custom["emergency"] or {}).get("number") or ""))
        if "handoff" in custom or call.escalated:
            handoff = custom.get("handoff") or {}
            desk = handoff.get("desk") or self.config.agents.desks.get(str(handoff.get("department") or ""))
            return self._to_agents(call, said if not said.empty else prompt(self.prompts.to_human), desk)
        if voice.get("hangup"):
            call.mode = ENDED
            return Outcome(Hangup(said if not said.empty else prompt(self.prompts.goodbye)))
        if not texts:
            return self._listen(call, prompt(self.prompts.reprompt_1))
        if voice.get("collect") == "phone":
            return self._offer_phone(call, said)
        if voice.get("collect") == "ticket":
            call.mode = TICKET_ENTRY
            return self._keypad(call, said)
        call.expect_digits = int(voice.get("digits") or 0) if voice.get("collect") == "digits" else 0
        sms: tuple[Sms, ...] = ()
        if "work_order" in custom:
            said, sms = self._work_order(call, said, custom["work_order"] or {})
        call.keys = {str(k): str(v) for k, v in (voice.get("keys") or {}).items()}
        long_text = str(voice.get("sms_text") or "")
        if self.sms and len(long_text) > self.config.sms_offer_chars and self._sms_target(call):
            call.sms_text = long_text  # key 1 sends it
            said = said + prompt(self.prompts.sms_offer)
        offer = self._transfer_offer(custom.get("transfer_offer"))
        if offer is not None:
            call.transfer = offer
            said = prompt(self.prompts.transfer_offer.format(name=offer.name)) + said
        answered = bool((custom.get("knowledge") or {}).get("entry_id")) or any(key in custom for key in FINISHED)
        ends_with_question = _QUESTION_END.search(texts[-1]) is not None
        question = prompt(texts[-1])
        if answered and not ends_with_question and not call.keys and offer is None:
            question = prompt(self.prompts.anything_else)
            said = said + question
        call.mode = TALK
        if call.expect_digits:
            call.question = question
            return Outcome(Listen(said, num_digits=call.expect_digits, finish_on_key="#"), sms)
        return self._listen(call, said, question=question, sms=sms)

    def assistant_unavailable(self, call: CallState) -> Outcome:
        """The assistant did not answer in time: a person takes the call (nothing is lost)."""
        return self._to_agents(call, prompt(self.prompts.unavailable), None)

    # ---- callbacks -----------------------------------------------------------------------------
    def transfer_ended(self, call: CallState, connected: bool) -> Outcome:
        """The Dial's action callback: after a finished transfer the call ends, else it goes on."""
        if connected:
            call.mode = ENDED
            return Outcome(Hangup(Prompt(())))
        call.mode = TALK
        failed = self.prompts.transfer_failed.format(anything_else=self.prompts.anything_else)
        return self._listen(call, prompt(failed))

    def queue_left(self, call: CallState, result: str, staffed: bool = True) -> Outcome:
        """The Enqueue's action callback: bridged or hung up ends the call; a full queue, an error
        or no agents on duty offers a voice message."""
        if result in ("bridged", "hangup", "redirected") and staffed:
            call.mode = ENDED
            return Outcome(Hangup(Prompt(())))
        return Outcome(Voicemail(prompt(self.prompts.voicemail), self.config.agents.voicemail_seconds))

    def recorded(self, call: CallState) -> Outcome:
        call.mode = ENDED
        return Outcome(Hangup(prompt(self.prompts.voicemail_thanks)))

    # ---- keys ----------------------------------------------------------------------------------
    def _key(self, call: CallState, digits: str) -> Outcome | Relay:
        key = digits[:1]
        if key == YES_KEY and call.transfer is not None:
            return self._transfer(call, call.transfer)
        target = self._sms_target(call)
        if key == YES_KEY and call.sms_text and target:
            text, call.sms_text = call.sms_text, None
            sms = Sms(target, f"【{self.sms_sign}】{text}")
            return self._listen(call, join(self.prompts.sms_sent, self.prompts.anything_else), sms=(sms,))
        if key in call.keys:
            said = call.keys[key]
            call.keys, call.transfer, call.failures, call.mode = {}, None, 0, TALK
            return Relay(said)
        if call.mode == MENU and key in MENU_KEYS:
            call.failures, call.mode = 0, TALK
            return Relay(MENU_KEYS[key])
        return self._failed(call, self.prompts.bad_key)

    # ---- the contact phone: the calling number, or typed and read back ------------------------------
    def _offer_phone(self, call: CallState, said: Prompt) -> Outcome:
        own = national_number(call.caller)
        if own:
            call.mode = PHONE_OFFER
            offer = prompt(self.prompts.phone_offer.format(last4=last_four(own)))
            return self._listen(call, said + offer, question=offer)
        call.mode = PHONE_ENTRY
        return self._keypad(call, said + prompt(self.prompts.phone_entry))

    def _phone_step(self, call: CallState, digits: str, speech: str) -> Outcome | Relay:
        if digits in (HUMAN_KEY, "*") and call.mode != PHONE_ENTRY or digits == "*":
            call.mode = TALK
            return self._escalate(call)
        if call.mode == PHONE_OFFER:
            choice = {YES_KEY: True, NO_KEY: False}.get(digits[:1]) if digits else yes_or_no(speech)
            own = national_number(call.caller)
            if choice is True and own:
                return self._phone_chosen(call, own)
            if choice is False:
                call.mode, call.failures = PHONE_ENTRY, 0
                return self._keypad(call, prompt(self.prompts.phone_entry))
            return self._failed(call)
        if call.mode == PHONE_CONFIRM:
            choice = {YES_KEY: True, NO_KEY: False}.get(digits[:1]) if digits else yes_or_no(speech)
            if choice is True and call.pending_phone:
                return self._phone_chosen(call, call.pending_phone)
            if choice is False:
                call.mode, call.failures, call.pending_phone = PHONE_ENTRY, 0, None
                return self._keypad(call, prompt(self.prompts.phone_entry))
            return self._failed(call)
        number = phone_number(digits or speech)
        if number is None:
            if not digits and not speech:
                return self._failed(call)
            return self._failed(call, self.prompts.phone_entry_again)
        call.mode, call.failures, call.pending_phone = PHONE_CONFIRM, 0, number
        before, _, after = self.prompts.phone_confirm.partition("{number}")
        confirm = Prompt((before, Digits(tuple(digit_groups(number))), after))
        return self._listen(call, confirm, question=confirm)

    def _ticket_step(self, call: CallState, digits: str, speech: str) -> Outcome | Relay:
        """A work-order number: its 12 digits on the keypad (the city's letters added), or said."""
        if digits == "*":
            return self._escalate(call)
        typed = re.sub(r"\D", "", digits)
        if len(typed) == 12:
            call.mode, call.failures = TALK, 0
            return Relay(f"{self.ticket_prefix}{typed[:8]}-{typed[8:]}")
        if speech and not digits:
            call.mode, call.failures = TALK, 0
            return Relay(speech)
        return self._failed(call, self.prompts.ticket_entry_again)

    def _phone_chosen(self, call: CallState, number: str) -> Relay:
        call.mode, call.failures, call.contact_phone, call.pending_phone = TALK, 0, number, None
        return Relay(number)

    def _keypad(self, call: CallState, said: Prompt) -> Outcome:
        step = Listen(said, speech=True, keys=True, finish_on_key="#", timeout=self.config.keypad_timeout)
        call.question = prompt(self.prompts.phone_entry)
        return Outcome(step)

    # ---- failures, hand-off, transfers, emergencies -----------------------------------------------
    def _failed(self, call: CallState, reprompt: str | None = None) -> Outcome | Relay:
        """Silence, an unrecognised answer or a wrong key: a shorter prompt; the last failure in a
        row (``max_failures``) hands the call to a person with the summary."""
        call.failures += 1
        if call.failures >= self.config.max_failures:
            return self._escalate(call)
        if reprompt is None:
            if call.mode == MENU:
                reprompt = self.prompts.reprompt_menu
            elif call.mode == PHONE_ENTRY:
                reprompt = self.prompts.phone_entry_again
            elif call.failures == 1 and (question := _FIRST_QUESTION.match(call.question.plain())):
                reprompt = self.prompts.reprompt_question.format(question=question.group(0))
            else:
                reprompt = self.prompts.reprompt_1 if call.failures == 1 else self.prompts.reprompt_2
        said = prompt(reprompt)
        if call.mode in (PHONE_OFFER, PHONE_CONFIRM):
            said = said + call.question
        if call.mode in (PHONE_ENTRY, TICKET_ENTRY):
            return Outcome(Listen(said, finish_on_key="#", timeout=self.config.keypad_timeout))
        return Outcome(self._listen_step(said))

    def _escalate(self, call: CallState) -> Relay:
        """To a human agent through the assistant's own hand-off (it queues the summary)."""
        call.escalated, call.failures, call.keys, call.transfer = True, 0, {}, None
        call.mode = TALK
        return Relay(HUMAN)

    def _to_agents(self, call: CallState, said: Prompt, desk: str | None) -> Outcome:
        call.escalated = False
        call.mode = ENDED
        if not call.agents_on_duty:  # not "正在为您转接" first: nobody is there to take the call
            return Outcome(Voicemail(prompt(self.prompts.after_hours), self.config.agents.voicemail_seconds))
        return Outcome(ToAgents(said, call.call_sid, desk or None))

    def _transfer_offer(self, offer: Any) -> ParallelHotline | None:
        if not isinstance(offer, Mapping):
            return None
        return self.config.parallel_hotlines.get(str(offer.get("hotline") or ""))

    def _transfer(self, call: CallState, hotline: ParallelHotline) -> Outcome:
        call.transfer, call.keys, call.failures = None, {}, 0
        said = prompt(self.prompts.transferring.format(name=hotline.name))
        conference = f"12345-{call.call_sid}" if hotline.mode == "conference" else None
        return Outcome(Transfer(said, hotline.dial, hotline.name, conference))

    def _emergency(self, call: CallState, said: Prompt, number: str) -> Outcome:
        """Told at once; said twice; dialled only where the carrier can reach the number."""
        again = prompt(self.prompts.emergency_again.format(number=number)) if number else Prompt(())
        call.mode = ENDED
        if self.config.emergency_dial and number:
            return Outcome(Transfer(said, number, number))
        return Outcome(Hangup(said + again))

    def _work_order(self, call: CallState, said: Prompt, order: Mapping[str, Any]) -> tuple[Prompt, tuple[Sms, ...]]:
        """The number read twice, digit by digit, and sent by SMS to the contact (or calling) mobile."""
        number = str(order.get("number") or order.get("reference") or "")
        if not number:
            return said, ()
        before, _, after = self.prompts.ticket_again.partition("{number}")
        again = Prompt((before, *prompt(number).segments, after))
        to = self._sms_target(call) if self.sms else None
        if to is None:
            return said + again, ()
        department = str(order.get("department") or "")
        body = f"【{self.sms_sign}】您的诉求已受理，{'工单号' if order.get('number') else '受理编号'}{number}"
        body += f"，承办部门：{department}。" if department else "。"
        body += "可拨打12345查询办理进度。"
        return said + again + prompt(self.prompts.ticket_sms), (Sms(to, body),)

    @staticmethod
    def _sms_target(call: CallState) -> str | None:
        """The mobile a text goes to: the contact phone given, else the calling number."""
        return next((n for n in (call.contact_phone, national_number(call.caller)) if n and is_mobile(n)), None)

    # ---- listening -------------------------------------------------------------------------------
    def _listen(
        self,
        call: CallState,
        said: Prompt,
        question: Prompt | None = None,
        sms: tuple[Sms, ...] = (),
    ) -> Outcome:
        call.question = question if question is not None else said
        return Outcome(self._listen_step(said), sms)

    @staticmethod
    def _listen_step(said: Prompt) -> Listen:
        """Speech or one key: every choice is a single key (0 reaches a person at once)."""
        return Listen(said, num_digits=1)
