"""Decides what kind of letter a long message is: 咨询, 投诉, 求助 or 建言.

DIET does well on the short turns of a conversation ("我要投诉", "好的", "转人工"), but on long
letters it learns the phrasings of our own examples too closely: a letter that describes a problem
at length and ends with a question or a proposal is often filed under the wrong kind. A linear
model over character and word TF-IDF plus the e5 sentence vector generalises better from the same
examples (`hotline eval intents` on msga_messages, trained on the same examples of ours, a fixed sample
of 600 letters: macro-F1 0.752 with this component after DIET, 0.683 with DIET alone).

So this component runs after DIET and only re-ranks among the letter intents: when the message is
long enough to be a letter and DIET's letter intents together outweigh every other intent, this
model chooses the kind (bot/components/letter_ranking.py). Every other intent (greet,
request_human, emergency …) and every short turn keeps DIET's decision, and the fallback threshold
still sees DIET's confidence that the message is a letter at all.
Blending DIET's own letter probabilities in did worse at every weight tried: DIET is near-certain
on letters it gets wrong.

The regression itself lives in bot/components/text_logistic.py, stored as plain arrays.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.letter_ranking import is_letter, share_out
from bot.components.logistic_component import INTENT_RANKING, LogisticComponent, sentence_vector, words
from bot.components.text_logistic import TextLogisticModel

logger = logging.getLogger(__name__)

LETTER_INTENTS = ["ask_info", "complain", "seek_help", "suggest", "praise"]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LetterTypeClassifier(LogisticComponent):
    """Re-ranks DIET's letter intents on long messages with TF-IDF + e5 logistic regression."""

    STORAGE_STEM = "letter_classifier"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intents": LETTER_INTENTS,
            # Messages shorter than this are conversation turns, left to DIET.
            "min_chars": 15,
            # Inverse regularisation strength of the logistic regression.
            "C": 3.0,
        }

    def train(self, training_data: TrainingData) -> Resource:
        wanted = set(self._config["intents"])
        pairs = [
            (m, vector)
            for m in training_data.intent_examples
            if m.get(INTENT) in wanted and (vector := sentence_vector(m)) is not None
        ]
        if len({m.get(INTENT) for m, _ in pairs}) < 2:
            logger.warning("LetterTypeClassifier: fewer than two letter intents with examples; not trained")
            return self._resource
        self._model = TextLogisticModel.fit(
            [m.get(TEXT) for m, _ in pairs],
            np.vstack([vector for _, vector in pairs]),
            [m.get(INTENT) for m, _ in pairs],
            C=float(self._config["C"]),
            word_texts=[words(m) for m, _ in pairs],
        )
        logger.info("LetterTypeClassifier trained on %d letter examples", len(pairs))
        self.persist()
        return self._resource

    def _predict(self, message: Message) -> Optional[Dict[str, float]]:
        vector = sentence_vector(message)
        if self._model is None or vector is None:
            return None
        return self._model.probabilities(message.get(TEXT), vector, words(message))

    def process(self, messages: List[Message]) -> List[Message]:
        intents, min_chars = self._config["intents"], int(self._config["min_chars"])
        for message in messages:
            ranking = message.get(INTENT_RANKING) or []
            if not is_letter(ranking, message.get(TEXT) or "", intents, min_chars):
                continue
            probs = self._predict(message)
            if not probs:
                continue
            ranking = share_out(ranking, probs)
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING, ranking, add_to_output=True)
        return messages
