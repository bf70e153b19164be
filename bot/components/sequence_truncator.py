"""Caps the token sequence DIET's transformer sees at the head of a long message.

Where `rasa train`'s time went (`hotline bench train`, evaluation/reports/train_profile.json): 90% in
DIET's two transformer layers. Half the examples are conversation turns of under 10 tokens, but the
letters run to 134, and DIET pads every batch to its longest message, so most of a batch is the
padding of a few letters. The transformer is kept for what it is good at, short turns ("对",
"不是这个"), and a long letter gives it only its first ``max_tokens`` tokens, where a letter says
what it is about.

Nothing is lost from the rest of the letter: only *sequence* features are cut. The sentence
features (the bag of words and characters over the whole text, the e5 embedding of the whole text)
stay, and so do the tokens, the text and what the entity extractors and the letter classifier read.
The same cut applies in training and at inference, so the model sees what it was trained on.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


def truncated(features: Features, max_tokens: int) -> Features:
    """The same features with at most ``max_tokens`` rows if they are a TEXT sequence; else unchanged."""
    if features.type != FEATURE_TYPE_SEQUENCE or features.attribute != TEXT:
        return features
    if features.features.shape[0] <= max_tokens:
        return features
    matrix = features.features
    head = scipy.sparse.csr_matrix(matrix)[:max_tokens].tocoo() if features.is_sparse() else matrix[:max_tokens]
    return Features(head, features.type, features.attribute, features.origin)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SequenceTruncator(GraphComponent):
    """Keeps the first ``max_tokens`` rows of every text sequence feature (placed before DIET)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"max_tokens": 32}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._max_tokens = int(config["max_tokens"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        cls.validate_config(config)
        return cls(config)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if int(config.get("max_tokens", 0)) < 1:
            raise ValueError("SequenceTruncator: max_tokens must be at least 1")

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            message.features = [truncated(features, self._max_tokens) for features in message.features]
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
