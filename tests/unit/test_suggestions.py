"""Suggested answers for agents (issue 19, knowledge_base/suggestions.py) on a real index of the
city's guides and services with the real encoder; the residence-permit guide is given an end date
in the past so that an expired entry is among them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from knowledge_base.answer_forms import CHAT_LIMIT
from knowledge_base.encoder import Encoder
from knowledge_base.entry import KnowledgeEntry
from knowledge_base.guides import guide_entries
from knowledge_base.index import build_index
from knowledge_base.search import ANSWER, EXPIRED, KnowledgeSearcher
from knowledge_base.suggestions import suggest

KNOWLEDGE = Path(__file__).resolve().parents[2] / "cities" / "jiaozuo" / "knowledge"
CARD = "guide-11-social-security-card"
REISSUE = "service-01-social-security-card-reissue"
PERMIT = "service-03-residence-permit"
TODAY = date(2026, 12, 7)


def city_entries(expired: str = "") -> list[KnowledgeEntry]:
    """The city's guides and services; the residence permit's guide ends on `expired` when given."""
    entries = [*guide_entries(KNOWLEDGE / "guides.yaml"), *guide_entries(KNOWLEDGE / "services.yaml", "便民服务")]
    return [replace(e, valid_to=expired) if e.id == PERMIT and expired else e for e in entries]


@pytest.fixture(scope="module")
def searcher(encoder: Encoder) -> KnowledgeSearcher:
    return KnowledgeSearcher(build_index(city_entries(expired="2025-12-31"), encoder), encoder)


def test_the_best_entry_comes_first_with_its_short_answer_source_and_confidence(searcher: KnowledgeSearcher) -> None:
    result = suggest(searcher, "社保卡丢了怎么补办", on=TODAY)
    assert result.decision == ANSWER and len(result.items) == 3
    first = result.items[0]
    assert first.entry_id == CARD and not first.expired and first.valid_to == ""
    assert first.source.title and first.source.doc_number and first.source.issuer
    assert first.department == "市人力资源社会保障局"
    assert first.answer and len(first.answer) + len(first.source.citation()) < CHAT_LIMIT
    assert 0.5 <= first.confidence <= 1
    assert result.items[1].entry_id == REISSUE and result.items[1].answer.startswith("【社保卡挂失补办】社保卡丢了")
    assert len({item.entry_id for item in result.items}) == 3


def test_an_expired_entry_is_flagged_and_never_offered_as_current(searcher: KnowledgeSearcher) -> None:
    result = suggest(searcher, "外地人在焦作住，怎么办居住证", on=TODAY)
    assert result.decision == EXPIRED
    first = result.items[0]
    assert first.entry_id == PERMIT and first.expired and first.valid_to == "2025-12-31"
    assert first.answer.startswith("【已失效】该内容有效期至2025-12-31") and "居住证" in first.answer
    assert [item.entry_id for item in result.items if item.expired] == [PERMIT]
    assert all(not item.answer.startswith("【已失效】") for item in result.items if not item.expired)


def test_before_its_end_date_the_same_entry_is_current(searcher: KnowledgeSearcher) -> None:
    result = suggest(searcher, "外地人在焦作住，怎么办居住证", on=date(2025, 6, 1))
    assert result.decision == ANSWER and result.items[0].entry_id == PERMIT and not result.items[0].expired


def test_top_k_limits_the_suggestions(searcher: KnowledgeSearcher) -> None:
    assert len(suggest(searcher, "社保卡丢了怎么补办", on=TODAY, top_k=1).items) == 1
