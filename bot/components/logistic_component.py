"""The Rasa side of the components that second-guess DIET with a TextLogisticModel.

Holds what LetterTypeClassifier and OutOfScopeGate share: reading a message's words and e5 vector,
and keeping the fitted model in Rasa's model storage.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.text_logistic import TextLogisticModel

logger = logging.getLogger(__name__)

INTENT_RANKING = "intent_ranking"


def words(message: Message) -> str:
    """The tokenizer's words of the message, joined by single spaces."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return " ".join(token.text for token in tokens if token.text.strip())


def sentence_vector(message: Message) -> Optional[np.ndarray]:
    """The message's dense sentence feature (the e5 embedding), if a featurizer added one."""
    _, sentence = message.get_dense_features(TEXT)
    return None if sentence is None else np.asarray(sentence.features).reshape(-1)


class LogisticComponent(GraphComponent, IntentClassifier):
    """A trainable intent component whose model is a TextLogisticModel saved under STORAGE_STEM."""

    STORAGE_STEM: ClassVar[str] = "text_logistic"

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[TextLogisticModel] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LogisticComponent":
        return cls(config, model_storage, resource)

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn", "scipy"]

    def persist(self) -> None:
        if self._model is not None:
            with self._model_storage.write_to(self._resource) as model_dir:
                self._model.save(model_dir, self.STORAGE_STEM)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LogisticComponent":
        try:
            with model_storage.read_from(resource) as model_dir:
                model = TextLogisticModel.load(model_dir, cls.STORAGE_STEM)
        except (ValueError, FileNotFoundError):
            logger.warning("%s: no trained model in storage; DIET's intents are kept", cls.__name__)
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model)
