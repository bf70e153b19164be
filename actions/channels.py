"""Which channel a turn came in on, and the few voice-only markers a reply may carry.

On the voice line (telephony/, input channel ``voice``) a reply may carry a ``voice`` custom payload
the gateway turns into call control: keys that answer the question (``{"keys": {"1": "对"}}``), the
end of the call (``{"hangup": true}``). Chat never sees them.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

# Rasa input channel names of phone lines: bot/voice_channel.py's ``voice``, and Twilio's own names.
VOICE_CHANNELS = frozenset({"twilio", "twilio_voice", "voice", "phone"})
CONFIRM_KEYS = {"1": "对", "2": "不对"}


def is_voice(tracker: Tracker) -> bool:
    return (tracker.get_latest_input_channel() or "") in VOICE_CHANNELS


def voice_keys(keys: dict[str, str]) -> dict[str, Any]:
    """A custom payload: on the phone, these keys answer the question just asked."""
    return {"voice": {"keys": dict(keys)}}


def hang_up() -> dict[str, Any]:
    """A custom payload: on the phone, the call ends after this reply."""
    return {"voice": {"hangup": True}}


def collect(what: str, digits: int | None = None) -> dict[str, Any]:
    """A custom payload: on the phone, the answer may be typed on the keypad ("ticket": a work-order
    number's 12 digits, # to finish; "digits": exactly ``digits`` keys)."""
    voice: dict[str, Any] = {"collect": what}
    if digits:
        voice["digits"] = digits
    return {"voice": voice}


def parallel_hotline_offer(hotline: str, department: str) -> dict[str, Any]:
    """A custom payload: the matter belongs to a parallel hotline (12315 …) the caller may be put through to."""
    return {"transfer_offer": {"hotline": hotline, "department": department}}
