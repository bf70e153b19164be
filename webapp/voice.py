"""The voice line's webhooks (/voice/*): the carrier's requests become turns of the assistant's
conversation (sender = the CallSid, input channel ``voice``), its replies become TwiML.

Adapter and composition root of telephony/: the voice dialogue's rules are
:class:`telephony.dialogue.VoiceDialogue`, the carrier is behind :class:`telephony.carriers.base.Carrier`.
Every webhook must carry the carrier's signature over the configured public URL
(HOTLINE_PUBLIC_URL + path): a forged, tampered or unsigned request gets 403 and changes nothing.
Without TWILIO_AUTH_TOKEN and HOTLINE_PUBLIC_URL every voice webhook answers 403; the rest of the
app runs as usual.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool

from hotline.privacy import mask_phone
from routing.directory import CityDirectory
from settings import Settings
from telephony.calls import CallState, CallStore
from telephony.carriers.base import CallbackUrls, Carrier
from telephony.carriers.twilio import TwilioCarrier
from telephony.config import VoiceConfig
from telephony.dialogue import Heard, VoiceDialogue
from telephony.numbers import national_number, normalise_speech
from telephony.steps import Outcome, Relay, Transfer
from tickets.intake import file_work_order
from tickets.status import WorkOrderKind
from tickets.store import NewWorkOrder
from webapp.chat import emergency_replies
from webapp.deps import Directory, Services, Store
from webapp.errors import ApiError
from webapp.rasa_client import send_turn

log = logging.getLogger(__name__)
router = APIRouter(prefix="/voice", include_in_schema=False)

RASA_TIMEOUT_SECONDS = 8.0  # the carrier waits about 15 s for a webhook's answer
EMERGENCY_TIMEOUT_SECONDS = 3.0
SIGNATURE_HEADER = "X-Twilio-Signature"
PATHS = {"gather": "/gather", "dial_done": "/dial-done", "queue_done": "/queue-done", "recorded": "/recorded"}
# Twilio's Dial statuses after which the caller was connected.
CONNECTED = frozenset({"completed", "answered"})


@dataclass
class VoiceLine:
    """The voice line of one web app: carrier, dialogue rules, calls in progress."""

    settings: Settings
    config: VoiceConfig
    carrier: Carrier
    dialogue: VoiceDialogue
    calls: CallStore

    def public(self, path: str) -> str:
        return self.settings.public_url.rstrip("/") + router.prefix + path

    @property
    def urls(self) -> CallbackUrls:
        return CallbackUrls(
            gather=self.public(PATHS["gather"]),
            dial_done=self.public(PATHS["dial_done"]),
            queue_done=self.public(PATHS["queue_done"]),
            recorded=self.public(PATHS["recorded"]),
            status=self.public("/status"),
        )


def build_voice_line(settings: Settings) -> VoiceLine:
    config = VoiceConfig.load(settings.city_dir)
    city = CityDirectory.load(settings.city_dir)
    carrier = TwilioCarrier(
        config,
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        from_number=settings.twilio_from_number,
        api_url=settings.twilio_api_url,
        hints=tuple(city.all_place_names()),
    )
    normalise_speech("預熱")  # loads the traditional→simplified tables now, not during a caller's turn
    if not (settings.twilio_auth_token and settings.public_url):
        log.info("voice line: TWILIO_AUTH_TOKEN or HOTLINE_PUBLIC_URL not set; /voice/* answers 403")
    dialogue = VoiceDialogue(config, sms=carrier.sends_sms, ticket_prefix=city.ticket_prefix)
    return VoiceLine(settings, config, carrier, dialogue, CallStore())


def voice_line(services: Services) -> VoiceLine:
    return services.once("voice_line", lambda: build_voice_line(services.settings))


Line = Annotated[VoiceLine, Depends(voice_line)]


async def signed_form(request: Request, line: Line) -> dict[str, str]:
    """The webhook's form fields, once its signature over the public URL checks out (else 403)."""
    request.state.voice_started = time.perf_counter()  # the gateway's time includes this check
    form = await request.form()
    params = {key: str(value) for key, value in form.multi_items()}
    url = line.public(request.url.path.removeprefix(router.prefix))
    if request.url.query:
        url += "?" + request.url.query
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not line.settings.public_url or not line.carrier.verify(url, params, signature):
        log.warning("voice webhook refused: bad or missing signature on %s", request.url.path)
        raise ApiError(403, "forbidden", "签名无效。")
    return params


Form = Annotated[dict[str, str], Depends(signed_form)]


def twiml(line: VoiceLine, outcome: Outcome, request: Request, assistant_seconds: float = 0.0) -> Response:
    """The step as the carrier's document; ``Server-Timing`` says how long the webhook took in all
    (``gateway``, from the signature check on) and how much of it was the assistant's turn."""
    body = line.carrier.render(outcome.step, line.urls)
    response = Response(body, media_type=line.carrier.media_type)
    total = time.perf_counter() - request.state.voice_started
    response.headers["Server-Timing"] = f"gateway;dur={total * 1000:.2f}, assistant;dur={assistant_seconds * 1000:.2f}"
    return response


def call_of(line: VoiceLine, form: Mapping[str, str]) -> CallState:
    sid = form.get("CallSid", "")
    if not sid:
        raise ApiError(422, "missing_call_sid", "缺少 CallSid。")
    call = line.calls.get_or_start(sid, form.get("From", ""))
    call.agents_on_duty = line.config.agents.staffed(datetime.now().strftime("%H:%M"))
    return call


# ---- the assistant ------------------------------------------------------------------------------
async def ask_assistant(rasa_url: str, call: CallState, text: str, timeout: float) -> list[dict[str, Any]]:
    """One turn on Rasa's voice channel (bot/voice_channel.py): replies carry the voice forms."""
    return await send_turn(rasa_url, "voice", call.call_sid, text, timeout, {"channel": "voice"})


async def take_turn(line: VoiceLine, call: CallState, relay: Relay, directory: CityDirectory) -> Outcome:
    """Relay the caller's words; an emergency is answered even when the assistant is slow or down."""
    urgent = emergency_replies(relay.text, directory)
    try:
        timeout = EMERGENCY_TIMEOUT_SECONDS if urgent else RASA_TIMEOUT_SECONDS
        replies = await ask_assistant(line.settings.rasa_url, call, relay.text, timeout)
    except (TimeoutError, httpx.HTTPError, ValueError) as error:
        log.warning("assistant unavailable for a voice turn: %s", type(error).__name__)
        if urgent:
            return line.dialogue.answer(call, urgent)
        return line.dialogue.assistant_unavailable(call)
    if urgent and not any("emergency" in (reply.get("custom") or {}) for reply in replies):
        replies = urgent + replies
    return line.dialogue.answer(call, replies)


async def carry_out(line: VoiceLine, call: CallState, outcome: Outcome) -> None:
    """The outcome's side effects through the carrier's REST API: SMS, the three-way call's other party."""
    for sms in outcome.sms:
        await run_in_threadpool(line.carrier.send_sms, sms.to, sms.body)
    step = outcome.step
    if isinstance(step, Transfer) and step.conference:
        await run_in_threadpool(line.carrier.add_to_conference, step.conference, step.dial)


# ---- webhooks -----------------------------------------------------------------------------------
@router.post("/incoming")
async def incoming(request: Request, form: Form, line: Line) -> Response:
    """A new call: greeting and menu."""
    call = call_of(line, form)
    log.info("voice call %s from %s", call.call_sid, mask_phone(call.caller))
    return twiml(line, line.dialogue.greet(call), request)


@router.post("/gather")
async def gather(request: Request, form: Form, line: Line, directory: Directory) -> Response:
    """What the caller said or pressed (or nothing: actionOnEmptyResult)."""
    call = call_of(line, form)
    confidence = form.get("Confidence")
    heard = Heard(
        speech=form.get("SpeechResult", ""),
        digits=form.get("Digits", ""),
        confidence=float(confidence) if confidence not in (None, "") else None,
    )
    result = line.dialogue.hear(call, heard)
    assistant_seconds = 0.0
    if isinstance(result, Relay):
        asked = time.perf_counter()
        outcome = await take_turn(line, call, result, directory)
        assistant_seconds = time.perf_counter() - asked
    else:
        outcome = result
    await carry_out(line, call, outcome)
    return twiml(line, outcome, request, assistant_seconds)


@router.post("/dial-done")
async def dial_done(request: Request, form: Form, line: Line) -> Response:
    call = call_of(line, form)
    connected = form.get("DialCallStatus", "") in CONNECTED
    return twiml(line, line.dialogue.transfer_ended(call, connected), request)


@router.post("/queue-done")
async def queue_done(request: Request, form: Form, line: Line) -> Response:
    call = call_of(line, form)
    return twiml(line, line.dialogue.queue_left(call, form.get("QueueResult", ""), call.agents_on_duty), request)


@router.post("/recorded")
async def recorded(request: Request, form: Form, line: Line, store: Store) -> Response:
    """A voice message: a work order waiting for an agent (the recording's URL, no transcript)."""
    call = call_of(line, form)
    seconds = form.get("RecordingDuration", "")
    new = NewWorkOrder(
        kind=WorkOrderKind.HELP.value,
        description=f"语音留言（{seconds}秒），录音：{form.get('RecordingUrl', '')}",
        phone=national_number(call.caller),
        needs_review=True,
        conversation_id=call.call_sid,
        routing_reason="语音留言，待坐席听取后派单",
    )
    order = await run_in_threadpool(file_work_order, store, new)
    log.info("voice message of call %s filed as %s", call.call_sid, order.number)
    return twiml(line, line.dialogue.recorded(call), request)


@router.post("/status", status_code=204)
async def status(form: Form, line: Line) -> Response:
    """The call's status callback: on ``completed`` the call's state and Rasa session end."""
    sid = form.get("CallSid", "")
    if form.get("CallStatus") == "completed" and sid:
        # Also for a call this process no longer holds (restarted mid-call): its Rasa session ends too.
        call = line.calls.end(sid) or CallState(sid, form.get("From", ""))
        try:
            await ask_assistant(line.settings.rasa_url, call, "/restart", RASA_TIMEOUT_SECONDS)
        except (TimeoutError, httpx.HTTPError, ValueError) as error:
            log.warning("Rasa session of a finished call not ended: %s", type(error).__name__)
    return Response(status_code=204)
