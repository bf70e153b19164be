"""The state of the calls in progress, keyed by the carrier's call id (Twilio's CallSid).

Only what the voice dialogue needs between two webhooks (where the caller is in the menu or the
keypad entry, the failures in a row, what a key means now); the conversation itself is Rasa's
tracker under the same id. Kept in the web app's memory: a call lasts minutes and a restarted web
app only loses the keypad step in progress (the next turn goes on from the tracker).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from telephony.config import ParallelHotline
from telephony.speech import Prompt

# Where the caller is.
MENU = "menu"  # greeted, the menu offered
TALK = "talk"  # talking to the assistant
PHONE_OFFER = "phone_offer"  # "用尾号5678的号码联系您可以吗？"
PHONE_ENTRY = "phone_entry"  # typing a number, # to finish
PHONE_CONFIRM = "phone_confirm"  # the typed number read back
TICKET_ENTRY = "ticket_entry"  # a work-order number said or typed (12 digits, # to finish)
ENDED = "ended"

STALE_AFTER_SECONDS = 4 * 3600.0


@dataclass
class CallState:
    call_sid: str
    caller: str  # the carrier's From (E.164); masked wherever it is logged
    mode: str = MENU
    failures: int = 0
    question: Prompt = field(default_factory=lambda: Prompt(()))  # the last thing asked, for re-prompts
    keys: dict[str, str] = field(default_factory=dict)  # key → what it says to the assistant now
    transfer: ParallelHotline | None = None  # offered with key 1
    sms_text: str | None = None  # a long answer offered by SMS with key 1
    pending_phone: str | None = None
    contact_phone: str | None = None
    expect_digits: int = 0  # the assistant asked for exactly this many keys (the phone's last four)
    agents_on_duty: bool = True  # set by the gateway from the configured hours at each webhook
    escalated: bool = False
    started: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)


class CallStore:
    """Thread-safe map of CallSid → :class:`CallState`; calls not seen for hours are dropped."""

    def __init__(self, stale_after: float = STALE_AFTER_SECONDS) -> None:
        self._calls: dict[str, CallState] = {}
        self._lock = threading.Lock()
        self._stale_after = stale_after

    def get_or_start(self, call_sid: str, caller: str) -> CallState:
        now = time.monotonic()
        with self._lock:
            self._drop_stale(now)
            call = self._calls.get(call_sid)
            if call is None:
                call = self._calls[call_sid] = CallState(call_sid, caller)
            call.seen = now
            return call

    def get(self, call_sid: str) -> CallState | None:
        with self._lock:
            return self._calls.get(call_sid)

    def end(self, call_sid: str) -> CallState | None:
        with self._lock:
            return self._calls.pop(call_sid, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._calls)

    def _drop_stale(self, now: float) -> None:
        for sid in [sid for sid, call in self._calls.items() if now - call.seen > self._stale_after]:
            del self._calls[sid]
