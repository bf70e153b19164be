"""Questions in context: which entry and which facet a caller's turn is about.

A conversation holds a topic (the entry last answered and the facet last shown). An elliptical
follow-up ("要带什么材料", "收费吗") is answered from the topic's own facet when the entry has it,
otherwise by searching the topic's title plus the facet's label. "那居住证呢" keeps the facet and
searches the new subject. A full question is searched as it is and becomes the new topic.
The NLU decides what is elliptical (the ask_facet intent) and names the facet and the subject;
this module only combines them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from knowledge_base.entry import KnowledgeEntry
from knowledge_base.facets import FULL, SUMMARY, rewrite_query
from knowledge_base.search import ANSWER, UNSURE, Decision, Hit


class Searcher(Protocol):
    def decide(self, question: str, on: date | None = None, top_k: int = 5, region: str | None = None) -> Decision: ...

    def entry(self, entry_id: str) -> KnowledgeEntry | None: ...


SHORT_REPLY_CHARS = 10


@dataclass(frozen=True)
class Topic:
    """What the conversation is about: the entry last answered and the facet last shown."""

    entry_id: str = ""
    facet: str = ""


@dataclass(frozen=True)
class Turn:
    """One caller turn as the NLU read it."""

    text: str
    facet: str = ""  # the facet entity's canonical value, "" when none was named
    elliptical: bool = False  # the ask_facet intent: the question leans on the topic
    subject: str = ""  # "那XX呢": the new subject XX; a service item named in the turn
    services: tuple[str, ...] = ()  # formal names of the services named ("身分证" → 居民身份证)

    def query(self) -> str:
        """The text, plus the formal names of the services it names in other words."""
        extra = [name for name in self.services if name not in self.text]
        return " ".join([self.text, *extra])


@dataclass(frozen=True)
class Resolution:
    """The decision to act on, the facet to show, what was searched and whether the topic answered it."""

    decision: Decision
    facet: str
    query: str
    from_topic: bool = False
    needs_topic: bool = False  # elliptical, with no topic to lean on: ask which service is meant


def _held(entry: KnowledgeEntry) -> Decision:
    return Decision(ANSWER, [Hit(entry, 1.0, confidence=1.0)])


def resolve(searcher: Searcher, turn: Turn, topic: Topic, region: str | None = None) -> Resolution:
    """Which entry answers `turn` given the conversation's `topic`, and with which facet."""
    current = searcher.entry(topic.entry_id) if topic.entry_id else None
    if turn.elliptical and turn.subject:
        # "那居住证呢": the same facet of another service; the old topic does not come into it
        facet = turn.facet or topic.facet
        query = rewrite_query("", facet, turn.subject) if facet else turn.text
        return Resolution(searcher.decide(query, region=region), facet or SUMMARY, query)
    if turn.elliptical and current is None:
        # "要多久" on its own: a search would find some entry with a time limit, not the caller's one;
        # a longer question that names its matter ("要拉超宽的设备上路，得办啥手续") is searched
        own = searcher.decide(turn.query(), region=region) if len(turn.text) > SHORT_REPLY_CHARS else None
        if own is not None and own.action == ANSWER:
            return Resolution(own, turn.facet or SUMMARY, turn.query())
        return Resolution(Decision(UNSURE), turn.facet or SUMMARY, turn.text, needs_topic=True)
    leaning = (turn.elliptical or turn.facet) and not turn.subject
    # A question of its own (the NLU's ask_facet is not always right about ellipsis: "换驾驶证要交多少钱"),
    # searched first only when it may overrule the topic (a full question), else only when needed
    own = None if turn.elliptical else searcher.decide(turn.query(), region=region)
    on_topic = current is not None and leaning and not (own and _another_answer(own, current))
    if on_topic and current is not None and _leans_on(searcher, turn, current, region):
        return _from_topic(searcher, current, turn.facet, region)
    own = own or searcher.decide(turn.query(), region=region)
    if turn.elliptical and current is not None and own.action == UNSURE:
        return _from_topic(searcher, current, turn.facet, region)
    # a facet asked for before the service was named ("要带什么材料？" "哪项业务？" "居住证") applies to
    # the short reply that names it, not to a new question of the caller's own
    pending = topic.facet if not topic.entry_id and len(turn.text) <= SHORT_REPLY_CHARS else ""
    return Resolution(own, turn.facet or pending or SUMMARY, turn.query())


def _another_answer(own: Decision, current: KnowledgeEntry) -> bool:
    """A full question (not ask_facet) that names a facet but finds another entry confidently on its own
    ("公交上能扫码付钱不" after the elderly-fares answer) is a new question, not a follow-up."""
    return own.action == ANSWER and own.best is not None and own.best.entry.id != current.id


def _leans_on(searcher: Searcher, turn: Turn, current: KnowledgeEntry, region: str | None) -> bool:
    """A question that names a facet but no service of its own ("小孩要带啥证明", read as a full
    question by the NLU) is about the topic when, read together with the topic's title, the topic is
    what it finds."""
    decision = searcher.decide(f"{current.title} {turn.text}", region=region)
    return decision.best is not None and decision.best.entry.id == current.id


def _from_topic(searcher: Searcher, current: KnowledgeEntry, facet: str, region: str | None) -> Resolution:
    """The topic's own facet when it has it; its summary when no facet was named ("这个呢");
    otherwise a search for the topic's title plus the facet's label."""
    if not facet:
        return Resolution(_held(current), SUMMARY, current.title, from_topic=True)
    if facet in current.facets or facet == FULL:
        return Resolution(_held(current), facet, current.title, from_topic=True)
    query = rewrite_query(current.title, facet)
    return Resolution(searcher.decide(query, region=region), facet, query)
