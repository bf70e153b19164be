"""The TF-IDF + sentence-vector logistic regression behind the NLU's second-opinion components."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.components.text_logistic import TextLogisticModel

TEXTS = ["楼下饭店油烟太大", "路灯坏了没人修", "帮我订一张机票", "讲个笑话吧"]
WORDS = ["楼下 饭店 油烟 太大", "路灯 坏 了 没人 修", "帮 我 订 一张 机票", "讲个 笑话 吧"]
LABELS = ["in_scope", "in_scope", "out_of_scope", "out_of_scope"]
VECTORS = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])


@pytest.mark.parametrize("word_texts", [None, WORDS])
def test_fit_predicts_training_classes(word_texts: list[str] | None) -> None:
    model = TextLogisticModel.fit(TEXTS, VECTORS, LABELS, C=10.0, word_texts=word_texts)
    probs = model.probabilities("饭店油烟", np.array([1.0, 0.0]), "饭店 油烟")
    assert set(probs) == {"in_scope", "out_of_scope"}
    assert probs["in_scope"] > probs["out_of_scope"]
    assert sum(probs.values()) == pytest.approx(1.0)


def test_saved_model_gives_the_same_probabilities(tmp_path: Path) -> None:
    model = TextLogisticModel.fit(TEXTS, VECTORS, LABELS, C=10.0, word_texts=WORDS)
    model.save(tmp_path, "gate")
    loaded = TextLogisticModel.load(tmp_path, "gate")
    args = ("订机票", np.array([0.2, 0.8]), "订 机票")
    assert loaded.probabilities(*args) == pytest.approx(model.probabilities(*args))
    assert not list(tmp_path.glob("*.pkl"))


def test_three_classes_use_every_row_of_coefficients() -> None:
    labels = ["complain", "suggest", "ask_info", "ask_info"]
    model = TextLogisticModel.fit(TEXTS, VECTORS, labels, C=10.0)
    probs = model.probabilities("讲个笑话", np.array([0.1, 0.9]))
    assert max(probs, key=probs.get) == "ask_info"


def test_missing_model_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        TextLogisticModel.load(tmp_path, "absent")
