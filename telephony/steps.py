"""What the voice line does next, independent of the carrier: listen, transfer, queue for an agent,
record a message, hang up; plus SMS to send. A carrier adapter renders a step (TwiML for Twilio)."""

from __future__ import annotations

from dataclasses import dataclass, field

from telephony.speech import Prompt


@dataclass(frozen=True)
class Listen:
    """Say the prompt and wait for speech and/or keys."""

    prompt: Prompt
    speech: bool = True
    keys: bool = True
    num_digits: int | None = None  # 1: a one-key choice; None: speech, or keys up to finish_on_key
    finish_on_key: str | None = None  # "#" for a phone number typed on the keypad
    timeout: int | None = None  # seconds to wait for the caller to start; None: the configured one


@dataclass(frozen=True)
class Transfer:
    """Say the prompt and connect the caller to ``dial`` (cold), or join both in a conference."""

    prompt: Prompt
    dial: str
    name: str
    conference: str | None = None  # the conference's name for a three-way call


@dataclass(frozen=True)
class ToAgents:
    """Say the prompt and queue the call for a human agent (``desk``: a 专席 by topic)."""

    prompt: Prompt
    conversation_id: str
    desk: str | None = None


@dataclass(frozen=True)
class Voicemail:
    """Say the prompt and record a message of up to ``max_seconds``."""

    prompt: Prompt
    max_seconds: int


@dataclass(frozen=True)
class Hangup:
    prompt: Prompt


Step = Listen | Transfer | ToAgents | Voicemail | Hangup


@dataclass(frozen=True)
class Sms:
    to: str
    body: str


@dataclass(frozen=True)
class Outcome:
    """A step for the carrier, and the text messages to send with it."""

    step: Step
    sms: tuple[Sms, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Relay:
    """Pass ``text`` to the assistant as the caller's turn; its replies go to VoiceDialogue.answer."""

    text: str
