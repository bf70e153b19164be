"""The carrier interface: what the voice gateway needs from a phone network.

Twilio first (telephony/carriers/twilio.py). Twilio cannot call mainland numbers nor dial short
numbers such as 12315, so a FreeSWITCH/Asterisk or domestic cloud adapter must fit the same
interface: check a webhook's signature, render a step as the carrier's call-control document, send an
SMS, add a party to a three-way call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from telephony.steps import Step


@dataclass(frozen=True)
class CallbackUrls:
    """Absolute public URLs of the gateway's webhooks (the carrier calls them)."""

    gather: str
    dial_done: str
    queue_done: str
    recorded: str
    status: str


class Carrier(Protocol):
    name: str

    def verify(self, url: str, params: Mapping[str, str], signature: str) -> bool:
        """Whether a webhook to the public ``url`` with form ``params`` was signed by the carrier."""
        ...

    def render(self, step: Step, urls: CallbackUrls) -> str:
        """The call-control document for ``step`` (TwiML for Twilio)."""
        ...

    @property
    def sends_sms(self) -> bool:
        """Whether text messages can be sent (credentials and a sender configured)."""
        ...

    def send_sms(self, to: str, body: str) -> str | None:
        """Send a text message; the carrier's message id, or None when SMS is not configured."""
        ...

    def add_to_conference(self, conference: str, number: str) -> str | None:
        """Dial ``number`` into the named conference; the new leg's id, or None when not configured."""
        ...

    @property
    def media_type(self) -> str: ...
