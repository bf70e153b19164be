"""Sends everyday requests that DIET took for hotline matters to out_of_scope.

DIET learns "out of scope" from a few hundred examples among many intents, and a request such as
"帮我买两张今晚的电影票" or "九的平方根是几" can land on inform or ask_info with high confidence. A binary
logistic regression (our out-of-scope examples against all others, over character TF-IDF and the
e5 sentence vector) draws that one line better. It runs after the entity extractors and only
overrides the intents listed in ``gated_intents`` when no entity was found
(bot/components/scope_ranking.py).

The threshold was chosen on our own examples, not on the evaluation data (`hotline eval scope-gate`,
evaluation/reports/scope_gate_cv.json): in 5-fold cross-validation over nlu_data, 0.7 sends 2 of the
779 held-out hotline turns of the gated intents that carry no entity to out_of_scope (0.5: 8), and
still recognises 94% of the held-out out-of-scope examples.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.logistic_component import INTENT_RANKING, LogisticComponent, sentence_vector
from bot.components.scope_ranking import (
    GATED_INTENTS,
    OUT_OF_SCOPE,
    gate_candidate,
    has_matter_entities,
    out_of_scope_first,
    scope_label,
)
from bot.components.text_logistic import TextLogisticModel

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class OutOfScopeGate(LogisticComponent):
    """Binary out-of-scope model that may override DIET's gated intents."""

    STORAGE_STEM = "out_of_scope_gate"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"gated_intents": GATED_INTENTS, "threshold": 0.7, "C": 4.0}

    def train(self, training_data: TrainingData) -> Resource:
        pairs = [(m, vector) for m in training_data.intent_examples if (vector := sentence_vector(m)) is not None]
        labels = [scope_label(m.get(INTENT)) for m, _ in pairs]
        if len(set(labels)) < 2:
            logger.warning("OutOfScopeGate: needs out_of_scope and other examples; not trained")
            return self._resource
        self._model = TextLogisticModel.fit(
            [m.get(TEXT) for m, _ in pairs],
            np.vstack([vector for _, vector in pairs]),
            labels,
            C=float(self._config["C"]),
            class_weight="balanced",
        )
        logger.info("OutOfScopeGate trained on %d examples", len(pairs))
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            ranking = message.get(INTENT_RANKING) or []
            # the cheap checks first: most turns are never gated, so their text is not vectorised
            has_entities = has_matter_entities(message.get(ENTITIES) or [])
            if self._model is None or not gate_candidate(ranking, has_entities, self._config["gated_intents"]):
                continue
            vector = sentence_vector(message)
            if vector is None:
                continue
            p_out = self._model.probabilities(message.get(TEXT) or "", vector)[OUT_OF_SCOPE]
            if p_out >= float(self._config["threshold"]):
                ranking = out_of_scope_first(ranking, p_out)
                message.set(INTENT, ranking[0], add_to_output=True)
                message.set(INTENT_RANKING, ranking, add_to_output=True)
        return messages
