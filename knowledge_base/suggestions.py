"""Suggested answers for hotline agents (issue 19): the knowledge entries that answer a caller's text.

An agent sees the top entries for what the caller said (or what the agent typed while on the phone),
each with a short answer it could send, its source, its validity and the searcher's calibrated
confidence, plus the searcher's decision for the set (answer / clarify / unsure / expired).

An expired entry is still shown, flagged, so the agent can tell the caller the policy ended, but it
is never offered as current: its answer text begins by saying it has expired, and when the searcher
answers with an entry in force, the entries in force come first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from knowledge_base.answer_forms import CHAT_LIMIT, summary_body
from knowledge_base.entry import KnowledgeEntry, Source
from knowledge_base.search import Decision, Hit

SEARCH_DEPTH = 5  # hits judged for the decision (the searcher's own default), whatever top_k is shown


class Searcher(Protocol):
    """What suggestions need of a searcher (KnowledgeSearcher and ReloadingSearcher both fit)."""

    def search(self, question: str, top_k: int = 5, on: date | None = None, region: str | None = None) -> list[Hit]: ...

    def judge(self, hits: list[Hit]) -> Decision: ...


@dataclass(frozen=True)
class Suggestion:
    """One knowledge entry offered to an agent."""

    entry_id: str
    title: str
    answer: str  # the short form an agent could send (within the chat budget, source line aside)
    truncated: bool  # the entry says more than `answer`
    source: Source
    department: str
    valid_from: str  # ISO date or ""
    valid_to: str  # ISO date or "" (open-ended)
    expired: bool
    confidence: float  # the searcher's calibrated confidence, 0…1


@dataclass(frozen=True)
class Suggestions:
    """The suggestions for one text and the searcher's decision about them."""

    decision: str  # knowledge_base.search: ANSWER, CLARIFY, UNSURE or EXPIRED
    items: list[Suggestion]


def _expired_notice(entry: KnowledgeEntry) -> str:
    return f"【已失效】该内容有效期至{entry.valid_to}，已不是现行规定，请勿作为现行政策答复。\n"


def _answer_budget(entry: KnowledgeEntry) -> int:
    """Characters for the answer once the citation line is counted (an agent's reply carries no validity
    line or offer of the full guide, unlike the assistant's own: actions/replies.answer_budget)."""
    return CHAT_LIMIT - len(entry.source.citation()) - 1


def _suggestion(hit: Hit, text: str) -> Suggestion:
    entry = hit.entry
    body = summary_body(entry, text, _answer_budget(entry))
    answer = _expired_notice(entry) + body.text if hit.expired else body.text
    return Suggestion(
        entry_id=entry.id,
        title=entry.title,
        answer=answer,
        truncated=body.truncated,
        source=entry.source,
        department=entry.department,
        valid_from=entry.valid_from,
        valid_to=entry.valid_to,
        expired=hit.expired,
        confidence=round(hit.confidence, 4),
    )


def suggest(searcher: Searcher, text: str, on: date | None = None, top_k: int = 3) -> Suggestions:
    """The `top_k` best entries for `text` on day `on` (default today), in the decision's order.

    The decision is judged on the searcher's usual depth, not on the `top_k` shown, so it is the
    one the assistant itself would make for this text.
    """
    hits = searcher.search(text, top_k=max(top_k, SEARCH_DEPTH), on=on)
    decision = searcher.judge(hits)
    return Suggestions(decision.action, [_suggestion(hit, text) for hit in _decision_order(hits, decision)[:top_k]])


def _decision_order(hits: list[Hit], decision: Decision) -> list[Hit]:
    """The entries the decision rests on first, in its order, then the rest in the searcher's.

    An answer rests on the entries in force only (an expired entry just ahead of a confident current
    one is passed over), so those come first; when an expired entry is the best match the decision is
    EXPIRED and it stays first, flagged, so the agent tells the caller the policy has ended.
    """
    chosen = {id(hit) for hit in decision.hits}
    return [*decision.hits, *(hit for hit in hits if id(hit) not in chosen)]
