"""The knowledge entry: one answerable unit with the source it came from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Protocol, TypeVar

STATUSES: tuple[str, ...] = ("draft", "published", "retired")
KINDS: tuple[str, ...] = ("policy", "guide", "faq", "imported")


@dataclass(frozen=True)
class Source:
    """Where an answer comes from, so every reply can cite it."""

    title: str
    doc_number: str = ""  # 文号, e.g. 焦政办〔2024〕22号
    issuer: str = ""
    date: str = ""  # ISO date of issue, "" when unknown
    section: str = ""  # e.g. "二、（三）"

    def citation(self) -> str:
        """Human-readable citation: 《title》（文号）section."""
        text = f"《{self.title}》"
        if self.doc_number:
            text += f"（{self.doc_number}）"
        if self.section:
            text += self.section
        return text


@dataclass(frozen=True)
class KnowledgeEntry:
    """One knowledge-base entry.

    `kind` is "policy" (a part of a policy document), "guide" (a plain-language
    service guide), "faq" (a question-and-answer entry written by the centre) or
    "imported" (bulk imports such as spreadsheets).

    `answer` is the formal answer; `plain_answer` (白话) and `voice_answer` (one
    or two spoken sentences) are optional renderings for chat and phone.
    `status` is draft / published / retired; only published entries are served.
    """

    id: str
    title: str
    answer: str
    source: Source
    questions: tuple[str, ...] = ()
    department: str = ""
    region: str = ""  # "" = whole city, else a district/county name
    valid_from: str = ""  # ISO date or ""
    valid_to: str = ""  # ISO date or "" (open-ended)
    kind: str = "faq"
    keywords: tuple[str, ...] = field(default_factory=tuple)
    plain_answer: str = ""
    voice_answer: str = ""
    category: str = ""
    status: str = "published"
    updated_at: str = ""  # ISO timestamp of the last change
    # Parts of a structured guide a caller can ask for alone (knowledge_base.facets: "materials" →
    # its lines); empty for policies and FAQ entries, which are answered whole or by excerpt.
    facets: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    def is_valid_on(self, day: date) -> bool:
        """True when the entry is in force on `day`."""
        iso = day.isoformat()
        if self.valid_from and iso < self.valid_from:
            return False
        return not (self.valid_to and iso > self.valid_to)

    def passage_text(self) -> str:
        """The text embedded for retrieval: title plus answer."""
        return f"{self.title}\n{self.answer}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["questions"] = list(self.questions)
        data["keywords"] = list(self.keywords)
        data["facets"] = {name: list(lines) for name, lines in self.facets.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KnowledgeEntry:
        values = dict(data)
        values["source"] = Source(**values["source"])
        values["questions"] = tuple(values.get("questions", ()))
        values["keywords"] = tuple(values.get("keywords", ()))
        values["facets"] = {str(name): tuple(lines) for name, lines in (values.get("facets") or {}).items()}
        return cls(**values)


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_T = TypeVar("_T", bound=_HasId)


def require_unique_ids(items: Iterable[_T], what: str) -> list[_T]:
    """Return the items as a list; raise ValueError naming the first repeated id."""
    items = list(items)
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"{what} {item.id}: duplicate id")
        seen.add(item.id)
    return items
