"""The supervised reference that `hotline eval reference` measures on a labelled dataset."""

from __future__ import annotations

import numpy as np

from evaluation.reference_baseline import cross_validate_reference

ASKING = [f"请问第{i}号窗口办理居住证需要带什么材料" for i in range(12)]
COMPLAINING = [f"投诉第{i}栋楼下的烧烤摊油烟太大影响休息" for i in range(12)]


def _embed(texts: list[str]) -> np.ndarray:
    return np.array([[1.0, 0.0] if "请问" in text else [0.0, 1.0] for text in texts])


def test_separable_labels_are_learned_by_every_feature_set() -> None:
    texts = ASKING + COMPLAINING
    labels = ["咨询"] * 12 + ["投诉"] * 12
    result = cross_validate_reference(texts, labels, folds=3, encoder=_embed)
    assert result.messages == 24 and result.labels == ["咨询", "投诉"]
    assert [row.features for row in result.rows] == ["chars", "chars+e5"]
    for row in result.rows:
        assert row.macro_f1 == 1.0 and row.accuracy == 1.0 and len(row.fold_macro_f1) == 3


def test_without_an_encoder_only_characters_are_measured() -> None:
    texts = ASKING + COMPLAINING
    # labels that ignore the text: a held-out model cannot beat chance by much
    labels = ["甲", "乙"] * 12
    result = cross_validate_reference(texts, labels, folds=3)
    assert [row.features for row in result.rows] == ["chars"]
    assert result.rows[0].macro_f1 < 0.8
