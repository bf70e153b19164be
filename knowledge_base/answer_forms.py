"""What part of an entry a reply shows, and how long it may be.

A first question gets a short summary, a follow-up about one facet gets that facet, a policy
passage is quoted at the article that matches the question, and the whole text only when the
caller asks for it. Chat bodies stay within a character budget (the reply adds the source line);
voice gets one or two spoken sentences (knowledge_base.guides.spoken_form).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge_base.entry import KnowledgeEntry
from knowledge_base.facets import FACETS, FULL, SUMMARY, spoken_label
from knowledge_base.guides import spoken_form

CHAT_LIMIT = 300  # characters of a whole chat reply, source line included
FACET_HINT = "您可以接着问：要带什么材料、去哪办、多久办好、收不收费。"
_UNITS = re.compile(r"[^。！？；\n]+[。！？；]?")
_ELLIPSIS = "……"


@dataclass(frozen=True)
class AnswerBody:
    """The text of one answer and what it is: the facet shown and whether more is left unsaid."""

    text: str
    facet: str
    truncated: bool = False


def _name(entry: KnowledgeEntry) -> str:
    return entry.title.strip().rstrip("？?。.！! ")


def _fit_lines(head: str, lines: list[str], budget: int) -> tuple[str, bool]:
    """`head` and as many whole lines as fit in `budget` characters; True when some were left out."""
    text = head
    for kept, line in enumerate(lines):
        if len(text) + len(line) + 1 > budget and kept:
            return text + f"\n{_ELLIPSIS}", True
        text += f"\n{line}"
    return text, False


def _numbered(lines: tuple[str, ...]) -> list[str]:
    return [f"{index}. {line}" for index, line in enumerate(lines, 1)] if len(lines) > 1 else list(lines)


def facet_body(entry: KnowledgeEntry, facet: str, budget: int) -> AnswerBody | None:
    """One facet of a structured guide ("【name】要带的材料：1. … 2. …"); None when it has no such facet."""
    lines = entry.facets.get(facet)
    if facet not in FACETS or not lines:
        return None
    head = f"【{_name(entry)}】{spoken_label(facet)}："
    if len(lines) == 1:
        head, lines = head + lines[0], ()
    text, cut = _fit_lines(head, _numbered(lines), budget)
    return AnswerBody(text, facet, cut)


def _bigrams(text: str) -> set[str]:
    chars = re.sub(r"[\s\W_]+", "", text)
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def _best_unit(units: list[str], question: str) -> int:
    """Index of the sentence sharing the most character bigrams with the question (first on ties)."""
    wanted = _bigrams(question)
    scores = [len(wanted & _bigrams(unit)) for unit in units]
    return max(range(len(units)), key=lambda i: (scores[i], -i))


def excerpt_body(entry: KnowledgeEntry, question: str, budget: int) -> AnswerBody:
    """The entry's text, or when it is too long the passage around the sentence that matches the question."""
    text = (entry.plain_answer or entry.answer).strip()
    if len(text) <= budget:
        return AnswerBody(text, SUMMARY)
    units = [unit.strip() for unit in _UNITS.findall(text) if unit.strip()]
    start = _best_unit(units, question) if question else 0
    chosen: list[str] = []
    for unit in units[start:]:
        if len("".join(chosen)) + len(unit) > budget - 2 * len(_ELLIPSIS) and chosen:
            break
        chosen.append(unit)
    body = "".join(chosen)
    if len(body) > budget:
        body = body[: budget - 2 * len(_ELLIPSIS)]
    prefix = _ELLIPSIS if start > 0 else ""
    return AnswerBody(f"{prefix}{body}{_ELLIPSIS}", SUMMARY, True)


def summary_body(entry: KnowledgeEntry, question: str, budget: int) -> AnswerBody:
    """A first answer: a guide's one-paragraph summary with what else can be asked; other entries excerpted."""
    if entry.facets:
        summary = _first_paragraph(entry.plain_answer or entry.answer)
        return AnswerBody(f"{summary}\n{FACET_HINT}", SUMMARY, True)
    return excerpt_body(entry, question, budget)


def _first_paragraph(text: str) -> str:
    return text.strip().split("\n", 1)[0]


def full_body(entry: KnowledgeEntry) -> AnswerBody:
    """The whole entry, when the caller asked for it (a guide's plain-language version)."""
    return AnswerBody((entry.plain_answer or entry.answer).strip(), FULL)


def voice_body(entry: KnowledgeEntry, body: AnswerBody) -> AnswerBody:
    """The spoken form, one or two sentences: the entry's own voice answer for a summary; a facet's
    lines run together as one sentence ("居住证办理要带的材料：本人居民身份证；本人近期照片……");
    otherwise the first sentences of the body."""
    if body.facet == SUMMARY and entry.voice_answer:
        return AnswerBody(entry.voice_answer, SUMMARY, True)
    lines = entry.facets.get(body.facet)
    if body.facet in FACETS and lines:
        items = "；".join(line.rstrip("。；") for line in lines)
        return AnswerBody(spoken_form(f"{_name(entry)}{spoken_label(body.facet)}：{items}。"), body.facet, True)
    return AnswerBody(spoken_form(body.text.replace("\n", "；")), body.facet, True)
