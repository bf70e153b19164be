"""`hotline eval dialogue`: the conversations are well-formed, and replies are read and scored right."""

from __future__ import annotations

import json
from pathlib import Path

from evaluation.dialogue_eval import (
    Conversation,
    ExpectedTurn,
    load_conversations,
    observe,
    replay,
    response_texts,
    summarize,
)
from knowledge_base.catalog import load_city_knowledge
from knowledge_base.facets import ANSWER_FACETS

ROOT = Path(__file__).resolve().parents[2]
CONVERSATIONS = sorted((ROOT / "evaluation" / "dialogues").glob("*.yaml"))
RESPONSES = response_texts(ROOT / "bot" / "domain.yml")


def test_the_conversations_name_real_entries_and_facets() -> None:
    conversations = load_conversations(CONVERSATIONS)
    entries = {entry.id: entry for entry in load_city_knowledge(ROOT / "cities" / "jiaozuo" / "knowledge")}
    assert len(conversations) >= 60 and len({c.id for c in conversations}) == len(conversations)
    assert sum(len(c.turns) - 1 for c in conversations) >= 120
    for conversation in conversations:
        assert 2 <= len(conversation.turns) <= 4, conversation.id
        for turn in conversation.turns:
            assert bool(turn.outcome) != bool(turn.entries), (conversation.id, turn.user)
            for entry_id in turn.entries:
                assert entry_id in entries, (conversation.id, entry_id)
                assert turn.facet in ANSWER_FACETS
                if turn.facet not in ("summary", "full"):
                    assert turn.facet in entries[entry_id].facets, (conversation.id, entry_id, turn.facet)


def test_an_answer_is_read_from_its_knowledge_payload() -> None:
    replies = [
        {"text": "【居住证办理】要带的材料：……"},
        {"custom": {"knowledge": {"entry_id": "service-03", "facet": "materials", "score": 0.9}}},
    ]
    observed = observe(replies, RESPONSES)
    assert (observed.outcome, observed.entry, observed.facet) == ("answer", "service-03", "materials")
    assert observed.chars == len("【居住证办理】要带的材料：……")


def test_domain_responses_and_payloads_name_the_other_outcomes() -> None:
    out_of_scope = next(text for text, name in RESPONSES.items() if name == "utter_out_of_scope")
    ask = next(text for text, name in RESPONSES.items() if name == "utter_ask_complaint_description")
    assert observe([{"text": out_of_scope}], RESPONSES).outcome == "out_of_scope"
    assert observe([{"text": ask}], RESPONSES).outcome == "form"
    assert observe([{"custom": {"knowledge": {"cleared": "x"}}}], RESPONSES).outcome == "cleared"
    assert observe([{"custom": {"knowledge": {"unsure": True}}}], RESPONSES).outcome == "unsure"
    assert observe([{"custom": {"handoff": {"queued": True}}}], RESPONSES).outcome == "handoff"
    assert observe([{"text": "随便说点什么"}], RESPONSES).outcome == "other"


def test_replay_scores_follow_ups_topic_facets_and_wrong_answers() -> None:
    conversations = [
        Conversation(
            "facet-a",
            (
                ExpectedTurn("居住证怎么办", ("p",), "summary"),
                ExpectedTurn("要带啥", ("p",), "materials"),
                ExpectedTurn("收费吗", ("p",), "fee"),
            ),
        ),
        Conversation(
            "none-b", (ExpectedTurn("今天天气", outcome="out_of_scope"), ExpectedTurn("查成绩", outcome="unsure"))
        ),
    ]
    answers = {
        "居住证怎么办": ("p", "summary"),
        "要带啥": ("p", "materials"),
        "收费吗": ("p", "summary"),  # right entry, wrong facet
        "查成绩": ("q", "summary"),  # a wrong answer where none was right
    }

    def send(sender: str, text: str) -> list[dict]:
        if text in answers:
            entry, facet = answers[text]
            return [{"text": "答" * 50}, {"custom": {"knowledge": {"entry_id": entry, "facet": facet}}}]
        return [{"text": next(t for t, n in RESPONSES.items() if n == "utter_out_of_scope")}]

    report = summarize(conversations, replay(conversations, send, RESPONSES))
    assert report.turns == 5 and report.follow_up_turns == 3
    assert report.follow_up_right == round(1 / 3, 4)
    assert report.topic_kept == 1.0 and report.facet_right == round(2 / 3, 4)
    assert report.wrong_answers == 1 and report.answer_chars_max == 50
    assert report.by_group == {"facet": round(2 / 3, 4), "none": 0.5}
    assert json.dumps(report.to_dict(), ensure_ascii=False)
