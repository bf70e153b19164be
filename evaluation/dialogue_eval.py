"""Multi-turn conversations replayed against the running assistant (`hotline eval dialogue`).

Each conversation of evaluation/dialogues/*.yaml is sent turn by turn as one sender through Rasa's
REST channel, as the web app sends it. What the assistant did in a turn is read from what the
caller would receive: the knowledge payload of an answer (entry and facet), the hand-off and
emergency payloads, and the domain's own responses (bot/domain.yml) for texts such as the
out-of-scope reply or the work-order form's first question. Each turn is scored against the
expected entry and facet, or the expected outcome.
"""

from __future__ import annotations

import statistics
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.answer_forms import CHAT_LIMIT

ANSWER = "answer"
OUTCOMES = ("cleared", "unsure", "out_of_scope", "form", "handoff", "clarify", "emergency", "expired", "other")
FORM_RESPONSES = ("utter_ask_complaint_description", "utter_ask_location", "utter_ask_district", "utter_ask_phone")

Reply = dict[str, Any]
SendFn = Callable[[str, str], list[Reply]]  # (sender, text) → the replies of one turn


@dataclass(frozen=True)
class ExpectedTurn:
    user: str
    entries: tuple[str, ...] = ()
    facet: str = ""
    outcome: str = ""


@dataclass(frozen=True)
class Conversation:
    id: str
    turns: tuple[ExpectedTurn, ...]
    note: str = ""


@dataclass(frozen=True)
class Observed:
    """What one turn's replies show: an answer (entry, facet) or another outcome, and the text length."""

    outcome: str
    entry: str = ""
    facet: str = ""
    chars: int = 0
    text: str = ""  # the start of the reply, for reading the failures


@dataclass
class TurnResult:
    conversation: str
    index: int
    user: str
    expected: dict[str, Any]
    observed: dict[str, Any]
    right: bool


@dataclass
class DialogueReport:
    conversations: int
    turns: int
    follow_up_turns: int
    follow_up_right: float  # share of turns after the first that are right (target ≥ 0.90)
    first_turn_right: float
    topic_kept: float  # follow-ups expected on the previous turn's entry, answered from it
    facet_right: float  # of turns answered from a right entry with a facet expected: the facet shown
    wrong_answers: int  # an entry was served that is not the expected one (or none was expected)
    wrong_answer_rate: float  # of turns where an entry was served
    answer_chars_p50: float
    answer_chars_p95: float
    answer_chars_max: int
    answers_over_limit: int  # chat answers longer than CHAT_LIMIT (the whole guide, asked for, excepted)
    by_group: dict[str, float] = field(default_factory=dict)
    outcome_confusion: dict[str, int] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _turn(raw: dict[str, Any]) -> ExpectedTurn:
    entry = raw.get("entry") or ()
    entries = tuple(entry) if isinstance(entry, list) else ((str(entry),) if entry else ())
    return ExpectedTurn(str(raw["user"]), entries, str(raw.get("facet") or ""), str(raw.get("outcome") or ""))


def load_conversations(paths: Iterable[Path]) -> list[Conversation]:
    """Conversations of the given YAML files (a `conversations` list each)."""
    found: list[Conversation] = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for raw in data.get("conversations") or []:
            turns = tuple(_turn(turn) for turn in raw["turns"])
            found.append(Conversation(str(raw["id"]), turns, str(raw.get("note") or "")))
    return found


def response_texts(domain_file: Path) -> dict[str, str]:
    """Text of every domain response variation → the response's name."""
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    texts: dict[str, str] = {}
    for name, variations in (domain.get("responses") or {}).items():
        for variation in variations or []:
            if variation.get("text"):
                texts[str(variation["text"]).strip()] = name
    return texts


def observe(replies: Sequence[Reply], responses: dict[str, str]) -> Observed:
    """The outcome a caller would see in one turn's replies."""
    chars = sum(len(str(reply.get("text") or "")) for reply in replies)
    head = " ".join(str(reply.get("text") or "") for reply in replies).strip()[:40]
    names = {responses.get(str(reply.get("text") or "").strip(), "") for reply in replies}
    customs = [reply["custom"] for reply in replies if isinstance(reply.get("custom"), dict)]
    knowledge = [custom["knowledge"] for custom in customs if isinstance(custom.get("knowledge"), dict)]
    for block in knowledge:
        if block.get("entry_id"):
            return Observed(ANSWER, str(block["entry_id"]), str(block.get("facet") or ""), chars, head)
        if block.get("expired"):
            return Observed("expired", str(block["expired"]), chars=chars, text=head)
    if any(custom.get("emergency") for custom in customs):
        return Observed("emergency", chars=chars, text=head)
    if any("handoff" in custom for custom in customs):
        return Observed("handoff", chars=chars, text=head)
    for key in ("cleared", "clarify"):
        if any(block.get(key) for block in knowledge):
            return Observed(key, chars=chars, text=head)
    if any(block.get("needs_topic") or block.get("unsure") for block in knowledge):
        return Observed("unsure", chars=chars, text=head)
    if "utter_out_of_scope" in names:
        return Observed("out_of_scope", chars=chars, text=head)
    if names & set(FORM_RESPONSES):
        return Observed("form", chars=chars, text=head)
    return Observed("other", chars=chars, text=head)


def is_right(expected: ExpectedTurn, observed: Observed) -> bool:
    """The expected outcome; or the expected entry and facet; or, for an entry that has expired, the
    honest reply that it has (the assistant must not serve it as current)."""
    if expected.outcome:
        return observed.outcome == expected.outcome
    if observed.outcome == "expired":
        return observed.entry in expected.entries
    return observed.outcome == ANSWER and observed.entry in expected.entries and observed.facet == expected.facet


def replay(conversations: Sequence[Conversation], send: SendFn, responses: dict[str, str]) -> list[TurnResult]:
    """Send every conversation as its own sender; one result per turn."""
    results: list[TurnResult] = []
    for conversation in conversations:
        sender = f"eval-dialogue-{conversation.id}-{uuid.uuid4().hex[:8]}"
        for index, turn in enumerate(conversation.turns):
            observed = observe(send(sender, turn.user), responses)
            expected = {"entries": list(turn.entries), "facet": turn.facet, "outcome": turn.outcome}
            results.append(
                TurnResult(conversation.id, index, turn.user, expected, asdict(observed), is_right(turn, observed))
            )
    return results


def _share(flags: Sequence[bool]) -> float:
    return round(sum(flags) / len(flags), 4) if flags else 0.0


def _percentile(values: Sequence[int], q: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))]) if ordered else 0.0


def summarize(conversations: Sequence[Conversation], results: Sequence[TurnResult]) -> DialogueReport:
    follow = [r for r in results if r.index > 0]
    firsts = [r for r in results if r.index == 0]
    previous = {(r.conversation, r.index): r for r in results}
    kept = [
        r.observed["entry"] in r.expected["entries"]
        for r in follow
        if r.expected["entries"]
        and set(r.expected["entries"]) & set(previous[(r.conversation, r.index - 1)].expected["entries"])
    ]
    faceted = [
        r.observed["facet"] == r.expected["facet"]
        for r in results
        if r.expected["facet"] and r.observed["entry"] in r.expected["entries"]
    ]
    served = [r for r in results if r.observed["outcome"] == ANSWER]
    wrong = [r for r in served if r.observed["entry"] not in r.expected["entries"]]
    lengths = [r.observed["chars"] for r in served]
    groups: dict[str, list[bool]] = {}
    for r in results:
        groups.setdefault(r.conversation.split("-", 1)[0], []).append(r.right)
    confusion = Counter(f"{r.expected['outcome'] or ANSWER}->{r.observed['outcome']}" for r in results if not r.right)
    return DialogueReport(
        conversations=len(conversations),
        turns=len(results),
        follow_up_turns=len(follow),
        follow_up_right=_share([r.right for r in follow]),
        first_turn_right=_share([r.right for r in firsts]),
        topic_kept=_share(kept),
        facet_right=_share(faceted),
        wrong_answers=len(wrong),
        wrong_answer_rate=_share([True] * len(wrong) + [False] * (len(served) - len(wrong))),
        answer_chars_p50=float(statistics.median(lengths)) if lengths else 0.0,
        answer_chars_p95=_percentile(lengths, 0.95),
        answer_chars_max=max(lengths, default=0),
        answers_over_limit=sum(1 for r in served if r.observed["chars"] > CHAT_LIMIT and r.observed["facet"] != "full"),
        by_group={name: _share(flags) for name, flags in sorted(groups.items())},
        outcome_confusion=dict(confusion.most_common()),
        failures=[asdict(r) for r in results if not r.right],
    )
