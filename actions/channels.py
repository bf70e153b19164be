"""Which channel a turn came in on, for the few replies whose text must differ on voice."""

from __future__ import annotations

from rasa_sdk import Tracker

# Rasa input channel names of phone lines (Twilio voice; the telephony issue may add its own).
VOICE_CHANNELS = frozenset({"twilio", "twilio_voice", "voice", "phone"})


def is_voice(tracker: Tracker) -> bool:
    return (tracker.get_latest_input_channel() or "") in VOICE_CHANNELS
