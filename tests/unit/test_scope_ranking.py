"""When OutOfScopeGate overrides DIET, and the ranking it leaves behind."""
from __future__ import annotations

import pytest

from bot.components.scope_ranking import out_of_scope_first, should_gate

GATED = ["ask_info", "inform", "complain"]


def _ranking(**confidences: float) -> list[dict]:
    return [{"name": n, "confidence": c} for n, c in sorted(confidences.items(), key=lambda kv: -kv[1])]


def test_content_intent_without_entities_is_gated_above_threshold() -> None:
    ranking = _ranking(inform=0.8, out_of_scope=0.15, greet=0.05)
    assert should_gate(ranking, 0.75, False, GATED, 0.7)
    assert not should_gate(ranking, 0.65, False, GATED, 0.7)


def test_message_with_entities_keeps_dialogue_intent() -> None:
    # "塔北路88号" answers a form question, whatever the gate thinks of it
    assert not should_gate(_ranking(inform=0.9, out_of_scope=0.1), 0.95, True, GATED, 0.7)


def test_conversation_turns_are_never_gated() -> None:
    assert not should_gate(_ranking(affirm=0.9, inform=0.1), 0.99, False, GATED, 0.7)
    assert not should_gate(_ranking(emergency=0.9, complain=0.1), 0.99, False, GATED, 0.7)
    assert not should_gate([], 0.99, False, GATED, 0.7)


def test_out_of_scope_goes_first_and_the_rest_keep_their_order() -> None:
    ranking = out_of_scope_first(_ranking(inform=0.6, ask_info=0.3, out_of_scope=0.1), 0.8)
    assert [item["name"] for item in ranking] == ["out_of_scope", "inform", "ask_info"]
    assert ranking[0]["confidence"] == pytest.approx(0.8)
    assert ranking[1]["confidence"] == pytest.approx(0.2 * 0.6 / 0.9)
    assert sum(item["confidence"] for item in ranking) == pytest.approx(1.0)
