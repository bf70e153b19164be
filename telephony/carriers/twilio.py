"""Twilio: TwiML for the steps (Gather with language and speech timeout, Say with SSML, Dial,
Conference, Enqueue, Record), RequestValidator for webhook signatures, the REST client for SMS and
conference participants.

``api_url`` points the REST client at another host speaking Twilio's API (a local fake in the tests);
empty means Twilio itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.voice_response import Dial, Enqueue, Gather, Say, VoiceResponse

from telephony.carriers.base import CallbackUrls
from telephony.config import VoiceConfig
from telephony.numbers import spell_digits
from telephony.speech import Prompt
from telephony.steps import Hangup, Listen, Step, ToAgents, Transfer, Voicemail

logger = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
GROUP_BREAK = "300ms"
DIAL_TIMEOUT_SECONDS = 30
MAX_HINTS, MAX_HINT_CHARS = 500, 100  # Twilio's limits for <Gather hints>


class _RedirectedHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no type information
    """Sends the REST client's requests to ``base`` instead of api.twilio.com."""

    def __init__(self, base: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base = base.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API):
            url = self.base + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


def e164(number: str, country: str = "+86") -> str:
    """A national mainland number (13812345678, 0391-3568888) in E.164; others unchanged."""
    value = number.replace("-", "").replace(" ", "")
    if value.startswith("+"):
        return value
    return country + (value[1:] if value.startswith("0") else value)


class TwilioCarrier:
    name = "twilio"
    media_type = "application/xml"

    def __init__(
        self,
        config: VoiceConfig,
        account_sid: str = "",
        auth_token: str = "",
        from_number: str = "",
        api_url: str = "",
        timeout: float = 10.0,
        hints: tuple[str, ...] = (),
    ) -> None:
        """``hints``: speech hints beyond the configuration's own (the city's place names)."""
        self.config = config
        words = [hint for hint in (*config.hints, *hints) if 0 < len(hint) <= MAX_HINT_CHARS]
        self.hints = ",".join(list(dict.fromkeys(words))[:MAX_HINTS])
        self.account_sid = account_sid
        self.from_number = from_number
        self._validator = RequestValidator(auth_token) if auth_token else None
        self._auth_token = auth_token
        self._api_url = api_url
        self._timeout = timeout
        self._client: Client | None = None

    # ---- signatures ------------------------------------------------------------------------
    def verify(self, url: str, params: Mapping[str, str], signature: str) -> bool:
        if self._validator is None or not signature:
            return False  # no token configured: nothing is accepted
        return bool(self._validator.validate(url, dict(params), signature))

    # ---- TwiML -----------------------------------------------------------------------------
    def render(self, step: Step, urls: CallbackUrls) -> str:
        response = VoiceResponse()
        if isinstance(step, Listen):
            gather = Gather(
                input=" ".join(kind for kind, on in (("speech", step.speech), ("dtmf", step.keys)) if on),
                action=urls.gather,
                method="POST",
                language=self.config.language,
                speech_timeout=self.config.speech_timeout,
                timeout=step.timeout or self.config.timeout,
                num_digits=step.num_digits,
                finish_on_key=step.finish_on_key,
                action_on_empty_result=True,
                barge_in=True,
                hints=self.hints if step.speech and self.hints else None,
            )
            self._say(gather, step.prompt)
            response.append(gather)
        elif isinstance(step, Transfer):
            self._say(response, step.prompt)
            dial = Dial(
                caller_id=self.from_number or None,
                answer_on_bridge=True,
                timeout=DIAL_TIMEOUT_SECONDS,
                action=urls.dial_done,
                method="POST",
            )
            if step.conference:
                dial.conference(
                    step.conference,
                    start_conference_on_enter=True,
                    end_conference_on_exit=True,
                    beep="false",
                )
            else:
                dial.number(step.dial)
            response.append(dial)
        elif isinstance(step, ToAgents):
            self._say(response, step.prompt)
            agents = self.config.agents
            if agents.workflow_sid:
                enqueue = Enqueue(workflow_sid=agents.workflow_sid, action=urls.queue_done, method="POST")
                attributes = {"conversation_id": step.conversation_id, "channel": "voice", "desk": step.desk}
                enqueue.task(json.dumps(attributes, ensure_ascii=False))
            else:
                # Without TaskRouter a 专席 is its own queue, named after the desk.
                enqueue = Enqueue(step.desk or agents.queue, action=urls.queue_done, method="POST")
            response.append(enqueue)
        elif isinstance(step, Voicemail):
            self._say(response, step.prompt)
            response.record(
                max_length=step.max_seconds,
                play_beep=True,
                trim="trim-silence",
                finish_on_key="#",
                timeout=5,
                action=urls.recorded,
                method="POST",
            )
        elif isinstance(step, Hangup):
            if not step.prompt.empty:
                self._say(response, step.prompt)
            response.hangup()
        return str(response.to_xml())

    def _say(self, parent: Any, said: Prompt) -> None:
        """One Say with the configured voice; SSML: the rate, digits as words with pauses between groups."""
        say = Say(voice=self.config.voice, language=self.config.language)
        prosody = say.prosody(rate=self.config.rate)
        text = ""  # consecutive text goes in as one node (TwiML keeps only the last of adjacent strings)
        for part in said.segments:
            if isinstance(part, str):
                text += part
                continue
            for index, group in enumerate(part.groups):
                if index:
                    if text:
                        prosody.nest(text)
                    text = ""
                    prosody.break_(time=GROUP_BREAK)
                text += spell_digits(group)
        if text:
            prosody.nest(text)
        parent.append(say)

    # ---- REST ------------------------------------------------------------------------------
    @property
    def sends_sms(self) -> bool:
        return bool(self.account_sid and self._auth_token and self.from_number)

    def _rest(self) -> Client | None:
        if not (self.account_sid and self._auth_token):
            return None
        if self._client is None:
            http = _RedirectedHttpClient(self._api_url, self._timeout) if self._api_url else None
            self._client = Client(self.account_sid, self._auth_token, http_client=http)
        return self._client

    def send_sms(self, to: str, body: str) -> str | None:
        client = self._rest()
        if client is None or not self.from_number:
            logger.info("SMS not sent: Twilio credentials or TWILIO_FROM_NUMBER not configured")
            return None
        try:
            message = client.messages.create(to=e164(to), from_=self.from_number, body=body)
        except TwilioException as error:
            logger.warning("SMS not sent (%s)", type(error).__name__)
            return None
        return str(message.sid)

    def add_to_conference(self, conference: str, number: str) -> str | None:
        client = self._rest()
        if client is None or not self.from_number:
            logger.info("three-way call not set up: Twilio credentials or TWILIO_FROM_NUMBER not configured")
            return None
        try:
            participant = client.conferences(conference).participants.create(
                from_=self.from_number, to=e164(number) if len(number) > 6 else number, early_media=True
            )
        except TwilioException as error:
            logger.warning("conference participant not added (%s)", type(error).__name__)
            return None
        return str(participant.call_sid)
