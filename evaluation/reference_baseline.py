"""The supervised reference for `hotline eval intents` on a labelled dataset.

Issue 5 sets msga_messages a target of macro-F1 ≥ 0.85 and names a reference: a character TF-IDF
+ logistic regression *trained on real messages of this kind*. The shipped NLU may not learn from
those messages. This module measures the reference on the same messages, so that the bot's figure
can be read against a rerunnable number and not a remembered one.

It uses stratified k-fold cross-validation: every message is scored by a model that did not see it.
The model is LetterTypeClassifier's own regression (bot/components/text_logistic.py) without word
features, trained on the messages instead of our examples.
Two feature sets are measured:

* ``chars``: character TF-IDF (1-3 grams) alone, the model the issue describes;
* ``chars+e5``: the same plus the e5 sentence vector, as LetterTypeClassifier uses it: what that
  model family reaches at best on this data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.components.text_logistic import TextLogisticModel

Encoder = Callable[[Sequence[str]], np.ndarray]


@dataclass
class ReferenceRow:
    features: str
    macro_f1: float
    accuracy: float
    fold_macro_f1: list[float] = field(default_factory=list)


@dataclass
class ReferenceResult:
    messages: int
    folds: int
    labels: list[str]
    rows: list[ReferenceRow]


def _predict(texts: Sequence[str], vectors: np.ndarray, labels: np.ndarray, train_idx, test_idx, C: float) -> list[str]:  # noqa: N803 - scikit-learn's name
    """Fits LetterTypeClassifier's own regression on the training fold and labels the held-out one."""
    model = TextLogisticModel.fit([texts[i] for i in train_idx], vectors[train_idx], labels[train_idx].tolist(), C=C)
    predicted = []
    for i in test_idx:
        probs = model.probabilities(texts[i], vectors[i])
        predicted.append(max(probs, key=probs.get))
    return predicted


def cross_validate_reference(
    texts: Sequence[str],
    labels: Sequence[str],
    folds: int = 5,
    seed: int = 12345,
    encoder: Encoder | None = None,
    C: float = 3.0,  # noqa: N803 - scikit-learn's name for the regularisation strength
) -> ReferenceResult:
    """k-fold macro-F1 and accuracy of the reference, pooled over all held-out predictions."""
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    texts, gold = list(texts), np.asarray(list(labels))
    splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(texts, gold))
    # no sentence vector is a vector of width 0: character TF-IDF alone
    variants: list[tuple[str, np.ndarray]] = [("chars", np.zeros((len(texts), 0), dtype=np.float32))]
    if encoder is not None:
        variants.append(("chars+e5", np.asarray(encoder(texts))))
    rows = []
    for name, vectors in variants:
        predicted = np.empty(len(texts), dtype=object)
        per_fold = []
        for train_idx, test_idx in splits:
            predicted[test_idx] = _predict(texts, vectors, gold, train_idx, test_idx, C)
            per_fold.append(round(float(f1_score(gold[test_idx], predicted[test_idx], average="macro")), 4))
        pooled = predicted.astype(str)
        rows.append(
            ReferenceRow(
                features=name,
                macro_f1=round(float(f1_score(gold, pooled, average="macro")), 4),
                accuracy=round(float(accuracy_score(gold, pooled)), 4),
                fold_macro_f1=per_fold,
            )
        )
    return ReferenceResult(messages=len(texts), folds=folds, labels=sorted(set(gold.tolist())), rows=rows)
