"""The cross-validation that chooses OutOfScopeGate's threshold."""

from __future__ import annotations

import numpy as np

from evaluation.scope_gate_cv import cross_validate

HOTLINE = [(f"楼下饭店油烟太大第{i}次", "complain") for i in range(10)] + [
    (f"社保卡在哪补办{i}", "ask_info") for i in range(10)
]
EVERYDAY = [(f"帮我订一张机票{i}", "out_of_scope") for i in range(10)]


def _embed(texts: list[str]) -> np.ndarray:
    # One direction for everyday requests, another for hotline matters: a separable toy space.
    return np.array([[0.0, 1.0] if "机票" in text else [1.0, 0.0] for text in texts])


def test_separable_examples_flag_no_hotline_turn() -> None:
    result = cross_validate(HOTLINE + EVERYDAY, _embed, lambda text: False, [0.5, 0.9], folds=5)
    assert result.examples == 30 and result.out_of_scope_examples == 10
    assert result.gated_in_domain_without_entities == 20
    low, high = result.rows
    assert low.in_domain_flagged == 0 and low.out_of_scope_recall == 1.0
    assert high.out_of_scope_recall <= low.out_of_scope_recall


def test_turns_with_entities_are_not_counted() -> None:
    result = cross_validate(HOTLINE + EVERYDAY, _embed, lambda text: "社保" in text, [0.5], folds=5)
    assert result.gated_in_domain_without_entities == 10


def test_a_hotline_turn_that_looks_everyday_is_reported() -> None:
    odd = [("帮我订一张机票去办社保", "ask_info")]
    result = cross_validate(HOTLINE + EVERYDAY + odd, _embed, lambda text: False, [0.5], folds=5)
    assert result.rows[0].in_domain_flagged_examples == ["ask_info: 帮我订一张机票去办社保"]
