"""The voice line's configuration: one city's ``voice.yaml`` (language, voice, timeouts, agents,
parallel hotlines, the gateway's own prompts). Read by the composition roots, passed in as an object."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import yaml

VOICE_FILE = "voice.yaml"
TransferMode = Literal["cold", "conference"]


@dataclass(frozen=True)
class ParallelHotline:
    """A sector hotline that keeps its own number (12315 …) and takes its matters by transfer."""

    number: str
    name: str
    dial: str
    mode: TransferMode = "cold"


@dataclass(frozen=True)
class Prompts:
    """What the gateway itself says (templates with ``{name}`` fields where noted)."""

    greeting: str
    menu: str
    anything_else: str
    reprompt_menu: str
    reprompt_1: str
    reprompt_question: str
    reprompt_2: str
    to_human: str
    bad_key: str
    phone_offer: str
    phone_entry: str
    phone_entry_again: str
    phone_confirm: str
    ticket_entry_again: str
    ticket_again: str
    ticket_sms: str
    transfer_offer: str
    transferring: str
    transfer_failed: str
    sms_offer: str
    sms_sent: str
    emergency_again: str
    voicemail: str
    after_hours: str
    voicemail_thanks: str
    goodbye: str
    unavailable: str

    def named(self) -> dict[str, str]:
        """Every prompt by name (the benchmark measures each one)."""
        return {item.name: getattr(self, item.name) for item in fields(self)}


@dataclass(frozen=True)
class Agents:
    queue: str = "12345"
    workflow_sid: str = ""
    hours: str = ""  # "08:00-20:00"; empty: around the clock
    voicemail_seconds: int = 120
    desks: dict[str, str] = field(default_factory=dict)

    def staffed(self, hour_minute: str) -> bool:
        """Whether agents answer at ``HH:MM`` (local time)."""
        if not self.hours:
            return True
        start, _, end = self.hours.partition("-")
        return start.strip() <= hour_minute < end.strip()


@dataclass(frozen=True)
class VoiceConfig:
    prompts: Prompts
    language: str = "cmn-Hans-CN"
    voice: str = "Polly.Zhiyu-Neural"
    rate: str = "90%"
    speech_timeout: int = 3
    timeout: int = 6
    keypad_timeout: int = 10
    min_confidence: float = 0.3
    max_failures: int = 3
    sms_offer_chars: int = 80
    agents: Agents = field(default_factory=Agents)
    emergency_dial: bool = False
    parallel_hotlines: dict[str, ParallelHotline] = field(default_factory=dict)
    hints: tuple[str, ...] = ()  # words the recogniser should expect (the city's places are added)

    @classmethod
    def load(cls, city_dir: Path) -> VoiceConfig:
        return cls.from_dict(yaml.safe_load((city_dir / VOICE_FILE).read_text(encoding="utf-8")) or {})

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> VoiceConfig:
        agents = dict(raw.get("agents") or {})
        hotlines = {
            str(number): ParallelHotline(
                number=str(number),
                name=str(spec.get("name") or number),
                dial=str(spec.get("dial") or number),
                mode="conference" if spec.get("mode") == "conference" else "cold",
            )
            for number, spec in (raw.get("parallel_hotlines") or {}).items()
        }
        speech_timeout = raw.get("speech_timeout", 3)
        if not isinstance(speech_timeout, int) or not 1 <= speech_timeout <= 10:
            raise ValueError("voice.yaml speech_timeout must be whole seconds 1-10 (never 'auto')")
        return cls(
            prompts=Prompts(**{key: str(value) for key, value in (raw.get("prompts") or {}).items()}),
            language=str(raw.get("language", "cmn-Hans-CN")),
            voice=str(raw.get("voice", "Polly.Zhiyu-Neural")),
            rate=str(raw.get("rate", "90%")),
            speech_timeout=speech_timeout,
            timeout=int(raw.get("timeout", 6)),
            keypad_timeout=int(raw.get("keypad_timeout", 10)),
            min_confidence=float(raw.get("min_confidence", 0.3)),
            max_failures=int(raw.get("max_failures", 3)),
            sms_offer_chars=int(raw.get("sms_offer_chars", 80)),
            agents=Agents(
                queue=str(agents.get("queue") or "12345"),
                workflow_sid=str(agents.get("workflow_sid") or ""),
                hours=str(agents.get("hours") or ""),
                voicemail_seconds=int(agents.get("voicemail_seconds") or 120),
                desks={str(k): str(v) for k, v in (agents.get("desks") or {}).items()},
            ),
            emergency_dial=bool((raw.get("emergency") or {}).get("dial", False)),
            parallel_hotlines=hotlines,
            hints=tuple(str(hint) for hint in raw.get("hints") or ()),
        )
