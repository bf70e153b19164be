"""Fitting the rule weight on held-out history, calibration set, cache checkpoints, review curve."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from evaluation.routing_eval import review_curve
from routing import training
from routing.router import Router
from routing.training import EmbeddingCache, OutOfFold, calibration_set, fit_rule_weight
from tests.unit.routing_fakes import fake_embed

RULE = [("A", 0.9, "rule:a keywords=x")]


def _history(rules_right: bool, n: int = 20) -> list[OutOfFold]:
    """Held-out records where the rule points at A and the classifier slightly prefers B."""
    label = "A" if rules_right else "B"
    return [OutOfFold(label, True, list(RULE), {"A": 0.4, "B": 0.6}) for _ in range(n)]


def test_prior_is_kept_without_enough_history() -> None:
    assert fit_rule_weight(_history(False, n=5), 0.5, min_history=10) == 0.5
    examples = [OutOfFold("B", False, list(RULE), {"A": 0.4, "B": 0.6}) for _ in range(50)]
    assert fit_rule_weight(examples, 0.5, min_history=10) == 0.5


def test_history_that_contradicts_the_rules_lowers_their_weight() -> None:
    assert fit_rule_weight(_history(False), 0.5, min_history=10) < 0.2


def test_history_that_agrees_with_the_rules_keeps_the_prior() -> None:
    assert fit_rule_weight(_history(True), 0.5, min_history=10) == 0.5


def test_calibration_uses_history_when_there_is_enough() -> None:
    examples = [OutOfFold("A", False, [], {"A": 1.0}) for _ in range(5)]
    assert calibration_set(examples + _history(True), 10) == _history(True)
    assert len(calibration_set(examples + _history(True, n=3), 10)) == 8


def test_router_uses_the_fitted_weight_when_the_model_has_one(rules_router: Router) -> None:
    router = rules_router
    assert router.effective_rule_weight == router.rule_weight
    fitted = router.with_classifier(SimpleNamespace(rule_weight=0.05), fake_embed)
    assert fitted.effective_rule_weight == 0.05
    unfitted = router.with_classifier(SimpleNamespace(rule_weight=None), fake_embed)
    assert unfitted.effective_rule_weight == router.rule_weight


def test_rule_candidates_match_routing(rules_router: Router) -> None:
    router = rules_router
    text = "楼下烧烤噪音扰民"
    assert router.rule_candidates(text)[0][0] == router.route(text).department == "市城管局"
    assert router.rule_candidates("我想反映一个问题") == []


def test_embedding_cache_checkpoints_long_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training, "CHECKPOINT_EVERY", 3)
    texts = [f"第{i}条工单" for i in range(8)]
    calls: list[int] = []

    def counting(batch: list[str]) -> np.ndarray:
        calls.append(len(batch))
        if len(calls) == 3:
            raise KeyboardInterrupt  # interrupted after two chunks
        return fake_embed(batch)

    path = tmp_path / "embeddings.npz"
    with pytest.raises(KeyboardInterrupt):
        EmbeddingCache(counting, path)(texts)
    resumed = EmbeddingCache(counting, path)
    calls.clear()
    vectors = resumed(texts)
    assert calls == [2]  # only the texts of the interrupted chunk are embedded again
    assert np.allclose(vectors, fake_embed(texts), atol=1e-3)


def test_review_curve_trades_review_share_for_accuracy() -> None:
    def decision(department: str, score: float) -> SimpleNamespace:
        return SimpleNamespace(department=department, score=score, reason="classifier", needs_review=score < 0.6)

    decisions = [decision("A", 0.95), decision("A", 0.75), decision("B", 0.45), decision("A", 0.35)]
    truth = ["A", "A", "A", "A"]
    curve = review_curve(truth, decisions, 0.6, thresholds=(0.3, 0.5, 0.7))
    assert [row["review_share"] for row in curve] == [0.0, 0.5, 0.5]
    assert [row["auto_accuracy"] for row in curve] == [0.75, 1.0, 1.0]
