"""Cross-validation of OutOfScopeGate on our own NLU examples: how its threshold was chosen.

The gate (bot/components/out_of_scope_gate.py) turns a content intent into out_of_scope when its
binary model is sure enough. Its threshold must not be tuned on the evaluation data (smp2017), so
it is chosen here: k folds over nlu_data, the same model (TextLogisticModel over character TF-IDF
and the e5 vector, balanced classes) trained on k-1 folds and scored on the held-out one. For each
threshold: how many held-out hotline turns of the gated intents it would wrongly send to
out_of_scope (those without entities; the gate leaves messages with entities alone) and how many of
the held-out out-of-scope examples it recognises.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import StratifiedKFold

from bot.components.scope_ranking import GATED_INTENTS, OUT_OF_SCOPE, scope_label
from bot.components.text_logistic import TextLogisticModel


@dataclass
class ThresholdRow:
    threshold: float
    in_domain_flagged: int
    in_domain_flagged_examples: list[str]
    out_of_scope_recall: float


@dataclass
class GateCvResult:
    examples: int
    out_of_scope_examples: int
    gated_in_domain_without_entities: int
    folds: int
    C: float
    rows: list[ThresholdRow] = field(default_factory=list)


def held_out_probabilities(
    texts: Sequence[str],
    vectors: np.ndarray,
    intents: Sequence[str],
    folds: int,
    C: float,  # noqa: N803 - scikit-learn's name for the regularisation strength
    seed: int = 0,
) -> np.ndarray:
    """P(out_of_scope) of each example from a model that did not see it."""
    labels = np.array([scope_label(intent) for intent in intents])
    probs = np.zeros(len(labels))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(vectors, labels):
        model = TextLogisticModel.fit(
            [texts[i] for i in train],
            vectors[train],
            labels[train],
            C=C,
            class_weight="balanced",
        )
        probs[test] = [model.probabilities(texts[i], vectors[i])[OUT_OF_SCOPE] for i in test]
    return probs


def cross_validate(
    examples: Sequence[tuple[str, str]],
    embed: Callable[[list[str]], np.ndarray],
    has_entities: Callable[[str], bool],
    thresholds: Sequence[float],
    folds: int = 5,
    C: float = 4.0,  # noqa: N803 - scikit-learn's name for the regularisation strength
) -> GateCvResult:
    texts = [text for text, _ in examples]
    intents = [intent for _, intent in examples]
    probs = held_out_probabilities(texts, embed(texts), intents, folds, C)
    gated = [i for i, intent in enumerate(intents) if intent in GATED_INTENTS and not has_entities(texts[i])]
    outside = [i for i, intent in enumerate(intents) if intent == OUT_OF_SCOPE]
    result = GateCvResult(len(texts), len(outside), len(gated), folds, C)
    for threshold in thresholds:
        flagged = [i for i in gated if probs[i] >= threshold]
        recall = float(np.mean([probs[i] >= threshold for i in outside])) if outside else 0.0
        result.rows.append(
            ThresholdRow(
                threshold,
                len(flagged),
                [f"{intents[i]}: {texts[i]}" for i in flagged],
                round(recall, 4),
            )
        )
    return result
