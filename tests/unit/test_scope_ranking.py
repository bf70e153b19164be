"""When OutOfScopeGate overrides DIET, and the ranking it leaves behind."""

from __future__ import annotations

import pytest

from bot.components.scope_ranking import gate_candidate, has_matter_entities, out_of_scope_first

GATED = ["ask_info", "inform", "complain"]


def _ranking(**confidences: float) -> list[dict]:
    return [{"name": n, "confidence": c} for n, c in sorted(confidences.items(), key=lambda kv: -kv[1])]


def test_content_intent_without_entities_is_a_candidate() -> None:
    assert gate_candidate(_ranking(inform=0.8, out_of_scope=0.15, greet=0.05), False, GATED)


def test_message_with_entities_keeps_dialogue_intent() -> None:
    # "塔北路88号" answers a form question, whatever the gate thinks of it
    assert not gate_candidate(_ranking(inform=0.9, out_of_scope=0.1), True, GATED)


def test_conversation_turns_are_never_gated() -> None:
    assert not gate_candidate(_ranking(affirm=0.9, inform=0.1), False, GATED)
    assert not gate_candidate(_ranking(emergency=0.9, complain=0.1), False, GATED)
    assert not gate_candidate([], False, GATED)


def test_out_of_scope_goes_first_and_the_rest_keep_their_order() -> None:
    ranking = out_of_scope_first(_ranking(inform=0.6, ask_info=0.3, out_of_scope=0.1), 0.8)
    assert [item["name"] for item in ranking] == ["out_of_scope", "inform", "ask_info"]
    assert ranking[0]["confidence"] == pytest.approx(0.8)
    assert ranking[1]["confidence"] == pytest.approx(0.2 * 0.6 / 0.9)
    assert sum(item["confidence"] for item in ranking) == pytest.approx(1.0)


def test_follow_up_words_alone_do_not_make_a_message_a_hotline_matter() -> None:
    assert not has_matter_entities([{"entity": "subject", "value": "梦想"}, {"entity": "wrong_answer", "value": "x"}])
    assert has_matter_entities([{"entity": "facet", "value": "fee"}])
    assert has_matter_entities([{"entity": "subject", "value": "居住证"}, {"entity": "district", "value": "山阳区"}])
