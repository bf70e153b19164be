"""A call as Twilio places it, without Twilio: signed webhook requests with Twilio's form fields,
and the TwiML answers read back (what is said, what is awaited, where the next request goes).

Used by ``hotline call`` (the terminal softphone), ``hotline bench voice`` and the tests. The
transport is injected: an HTTP client against a running web app, or an in-process test client.
"""

from __future__ import annotations

import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator

from telephony.numbers import spell_digits

# (path, form fields, headers) → (status, body, headers)
Transport = Callable[[str, Mapping[str, str], Mapping[str, str]], tuple[int, str, Mapping[str, str]]]
API_VERSION = "2010-04-01"
SIGNATURE_HEADER = "X-Twilio-Signature"


@dataclass(frozen=True)
class Twiml:
    """One TwiML document, read as a caller (and a carrier) would."""

    xml: str
    root: ET.Element

    @classmethod
    def parse(cls, xml: str) -> Twiml:
        return cls(xml, ET.fromstring(xml))

    @property
    def verbs(self) -> list[str]:
        return [child.tag for child in self.root]

    def find(self, tag: str) -> ET.Element | None:
        return next(self.root.iter(tag), None)

    @property
    def said(self) -> str:
        """Everything the caller hears, in order (SSML text and tails, pauses as nothing)."""
        return "".join(_spoken_text(say) for say in self.root.iter("Say"))

    @property
    def gather(self) -> ET.Element | None:
        return self.find("Gather")

    @property
    def next_url(self) -> str | None:
        """The URL the carrier calls after this document (Gather, Dial, Enqueue or Record action)."""
        for tag in ("Gather", "Dial", "Enqueue", "Record"):
            element = self.find(tag)
            if element is not None and element.get("action"):
                return element.get("action")
        return None

    @property
    def ended(self) -> bool:
        return self.find("Hangup") is not None


def _spoken_text(element: ET.Element) -> str:
    """An element's text with each SSML <break> written as a comma (the pause between digit groups)."""
    parts = [element.text or ""]
    for child in element:
        parts.append("，" if child.tag == "break" else _spoken_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


@dataclass
class Exchange:
    """One webhook request and its answer, for transcripts and timing."""

    path: str
    fields: dict[str, str]
    status: int
    twiml: Twiml | None
    seconds: float
    gateway_ms: float | None = None
    assistant_ms: float | None = None


def server_timing(header: str) -> dict[str, float]:
    """``gateway;dur=3.1, assistant;dur=250`` → {"gateway": 3.1, "assistant": 250.0}."""
    found: dict[str, float] = {}
    for item in header.split(","):
        name, _, rest = item.strip().partition(";")
        if rest.startswith("dur="):
            try:
                found[name] = float(rest[4:])
            except ValueError:
                continue
    return found


@dataclass
class SimulatedCall:
    """One inbound call: ``start()``, then ``say`` / ``press`` / ``silence`` per Gather, ``hang_up()``."""

    transport: Transport
    public_url: str
    auth_token: str
    caller: str = "+8613812345678"
    called: str = "+8639112345"
    account_sid: str = "AC" + "0" * 32
    call_sid: str = field(default_factory=lambda: "CA" + uuid.uuid4().hex)
    exchanges: list[Exchange] = field(default_factory=list)
    last: Twiml | None = None

    def fields(self, **extra: str) -> dict[str, str]:
        base = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": self.call_sid,
            "CallStatus": "in-progress",
            "Called": self.called,
            "Caller": self.caller,
            "Direction": "inbound",
            "From": self.caller,
            "To": self.called,
        }
        return {**base, **extra}

    def sign(self, url: str, params: Mapping[str, str]) -> str:
        return str(RequestValidator(self.auth_token).compute_signature(url, dict(params)))

    def post(self, path: str, params: Mapping[str, str], signature: str | None = None) -> Exchange:
        """Post ``params`` to ``path`` signed over the public URL (``signature`` overrides, for forgeries)."""
        url = self.public_url.rstrip("/") + path
        headers = {SIGNATURE_HEADER: self.sign(url, params) if signature is None else signature}
        if signature == "":
            headers = {}
        started = time.perf_counter()
        status, body, response_headers = self.transport(path, params, headers)
        seconds = time.perf_counter() - started
        document = Twiml.parse(body) if status == 200 and body.lstrip().startswith("<?xml") else None
        timing = server_timing(
            str(response_headers.get("server-timing") or response_headers.get("Server-Timing") or "")
        )
        exchange = Exchange(
            path, dict(params), status, document, seconds, timing.get("gateway"), timing.get("assistant")
        )
        self.exchanges.append(exchange)
        if document is not None:
            self.last = document
        return exchange

    def _next_path(self) -> str:
        url = self.last.next_url if self.last is not None else None
        if not url:
            raise RuntimeError("the last TwiML awaits nothing from the caller")
        return urlsplit(url).path

    def start(self) -> Exchange:
        return self.post("/voice/incoming", self.fields(CallStatus="ringing"))

    def say(self, text: str, confidence: float = 0.92) -> Exchange:
        return self.post(self._next_path(), self.fields(SpeechResult=text, Confidence=f"{confidence:.2f}"))

    def press(self, digits: str) -> Exchange:
        return self.post(self._next_path(), self.fields(Digits=digits))

    def silence(self) -> Exchange:
        return self.post(self._next_path(), self.fields())

    def callback(self, **extra: str) -> Exchange:
        """The action callback of a Dial, Enqueue or Record (DialCallStatus, QueueResult, RecordingUrl …)."""
        return self.post(self._next_path(), self.fields(**extra))

    def hang_up(self) -> Exchange:
        return self.post("/voice/status", self.fields(CallStatus="completed", CallDuration="60"))

    def transcript(self) -> list[str]:
        """Caller and line, one line each, as a person on the phone would tell it."""
        lines = []
        for exchange in self.exchanges:
            heard = exchange.fields.get("SpeechResult") or exchange.fields.get("Digits")
            if exchange.path == "/voice/incoming":
                lines.append("☎ 来电")
            elif heard is not None and "Digits" in exchange.fields:
                lines.append(f"来电人按键：{heard}")
            elif heard is not None:
                lines.append(f"来电人：{heard}")
            elif exchange.path == "/voice/gather":
                lines.append("来电人：（没有说话）")
            elif exchange.path == "/voice/status":
                lines.append("☎ 挂机")
            if exchange.twiml is not None and exchange.twiml.said:
                lines.append(f"热线：{exchange.twiml.said}")
        return lines


def spoken(text: str) -> str:
    """Arabic digits as the TwiML speaks them (digit by digit), to compare expected texts."""
    return "".join(spell_digits(char) if char.isdigit() else char for char in text)
