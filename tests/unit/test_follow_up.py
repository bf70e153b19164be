"""Follow-up questions resolved against the conversation's topic (knowledge_base/follow_up.py),
on a real index of the city's guides and services with the real encoder."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.encoder import Encoder
from knowledge_base.follow_up import Topic, Turn, resolve
from knowledge_base.guides import guide_entries
from knowledge_base.index import build_index
from knowledge_base.search import ANSWER, UNSURE, KnowledgeSearcher

KNOWLEDGE = Path(__file__).resolve().parents[2] / "cities" / "jiaozuo" / "knowledge"
RETIREMENT = "guide-13-retirement"
PERMIT = "service-03-residence-permit"


@pytest.fixture(scope="module")
def searcher(encoder: Encoder) -> KnowledgeSearcher:
    entries = [*guide_entries(KNOWLEDGE / "guides.yaml"), *guide_entries(KNOWLEDGE / "services.yaml", "便民服务")]
    return KnowledgeSearcher(build_index(entries, encoder), encoder)


def test_a_full_question_is_searched_as_it_is(searcher: KnowledgeSearcher) -> None:
    resolution = resolve(searcher, Turn("外地人在焦作住，怎么办居住证"), Topic(RETIREMENT, "materials"))
    assert resolution.decision.action == ANSWER and resolution.decision.best.entry.id == PERMIT
    assert resolution.facet == "summary" and not resolution.from_topic


def test_a_full_question_naming_a_facet_shows_that_facet(searcher: KnowledgeSearcher) -> None:
    resolution = resolve(searcher, Turn("办居住证要带什么材料", facet="materials"), Topic())
    assert resolution.decision.best.entry.id == PERMIT and resolution.facet == "materials"


def test_an_elliptical_facet_question_is_answered_from_the_topic(searcher: KnowledgeSearcher) -> None:
    resolution = resolve(searcher, Turn("需要带什么材料", facet="materials", elliptical=True), Topic(RETIREMENT))
    assert resolution.from_topic and resolution.facet == "materials"
    assert resolution.decision.best.entry.id == RETIREMENT


def test_then_what_about_keeps_the_facet_and_searches_the_new_subject(searcher: KnowledgeSearcher) -> None:
    turn = Turn("那居住证呢", elliptical=True, subject="居住证")
    resolution = resolve(searcher, turn, Topic(RETIREMENT, "materials"))
    assert resolution.query == "居住证 所需材料"
    assert resolution.decision.best.entry.id == PERMIT and resolution.facet == "materials"


def test_an_elliptical_question_without_a_topic_asks_which_service(searcher: KnowledgeSearcher) -> None:
    resolution = resolve(searcher, Turn("收费吗", facet="fee", elliptical=True), Topic())
    assert resolution.needs_topic and resolution.decision.action == UNSURE


def test_the_facet_asked_before_the_service_applies_to_the_service_named_next(searcher: KnowledgeSearcher) -> None:
    resolution = resolve(searcher, Turn("居住证"), Topic("", "fee"))
    assert resolution.decision.best.entry.id == PERMIT and resolution.facet == "fee"


def test_a_topic_that_left_the_index_asks_again(searcher: KnowledgeSearcher) -> None:
    resolution = resolve(searcher, Turn("要多久", facet="time_limit", elliptical=True), Topic("retired-entry"))
    assert resolution.needs_topic


def test_a_question_naming_only_a_facet_leans_on_the_topic_whatever_the_intent(searcher: KnowledgeSearcher) -> None:
    resolution = resolve(searcher, Turn("这事归哪个部门管", facet="department"), Topic(RETIREMENT))
    assert resolution.from_topic and resolution.decision.best.entry.id == RETIREMENT
    assert resolution.facet == "department"


def test_a_follow_up_without_a_facet_gets_the_topic_summary_not_the_last_facet(searcher: KnowledgeSearcher) -> None:
    resolution = resolve(searcher, Turn("这个呢", elliptical=True), Topic(PERMIT, "materials"))
    assert resolution.from_topic and resolution.facet == "summary"


def test_a_long_elliptical_question_that_names_its_matter_is_searched(searcher: KnowledgeSearcher) -> None:
    """The NLU read it as ask_facet, but it says what it is about: no "which service?" question back."""
    turn = Turn("想运一台超高超宽的大设备上公路，要办什么手续", facet="steps", elliptical=True)
    resolution = resolve(searcher, turn, Topic())
    assert not resolution.needs_topic and resolution.decision.action == ANSWER
    assert resolution.decision.best.entry.id == "guide-16-oversize-transport" and resolution.facet == "steps"


def test_a_full_question_that_finds_another_entry_is_a_new_topic(searcher: KnowledgeSearcher) -> None:
    """A facet named in a question of its own does not pull it back to the topic."""
    # read with the newborn insurance topic's title, this finds the topic; on its own, the resident one
    turn = Turn("给家里老人交居民医保一年多少钱", facet="fee")
    resolution = resolve(searcher, turn, Topic("service-16-newborn-medical-insurance", "summary"))
    assert not resolution.from_topic and resolution.facet == "fee"
    assert resolution.decision.best.entry.id == "service-06-resident-medical-insurance"
