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

The model is stored as plain arrays (vocabularies, idf weights, coefficients), not as a pickle.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.components.letter_ranking import is_letter, share_out

logger = logging.getLogger(__name__)

INTENT_RANKING = "intent_ranking"
LETTER_INTENTS = ["ask_info", "complain", "seek_help", "suggest", "praise"]


def _char_vectorizer(vocabulary: Optional[Dict[str, int]] = None) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, vocabulary=vocabulary)


def _word_vectorizer(vocabulary: Optional[Dict[str, int]] = None) -> TfidfVectorizer:
    # Input is the JiebaTokenizer's tokens joined by single spaces.
    return TfidfVectorizer(
        analyzer="word", token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True,
        lowercase=False, vocabulary=vocabulary,
    )


def _words(message: Message) -> str:
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return " ".join(token.text for token in tokens if token.text.strip())


def _sentence_vector(message: Message) -> Optional[np.ndarray]:
    _, sentence = message.get_dense_features(TEXT)
    return None if sentence is None else np.asarray(sentence.features).reshape(-1)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LetterTypeClassifier(GraphComponent, IntentClassifier):
    """Re-ranks DIET's letter intents on long messages with TF-IDF + e5 logistic regression."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intents": LETTER_INTENTS,
            # Messages shorter than this are conversation turns, left to DIET.
            "min_chars": 15,
            # Inverse regularisation strength of the logistic regression.
            "C": 3.0,
        }

    def __init__(
        self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        model: Optional[Dict[str, Any]] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model
        self._vectorizers = self._restore_vectorizers(model) if model else None

    @staticmethod
    def _restore_vectorizers(model: Dict[str, Any]) -> tuple[TfidfVectorizer, TfidfVectorizer]:
        """Fitted vectorizers from stored vocabularies and idf weights (built once per load)."""
        chars, words = _char_vectorizer(model["char_vocabulary"]), _word_vectorizer(model["word_vocabulary"])
        chars.idf_, words.idf_ = model["char_idf"], model["word_idf"]
        return chars, words

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LetterTypeClassifier":
        return cls(config, model_storage, resource)

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn", "scipy"]

    # --- training -------------------------------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        wanted = set(self._config["intents"])
        pairs = [
            (m, vector) for m in training_data.intent_examples
            if m.get(INTENT) in wanted and (vector := _sentence_vector(m)) is not None
        ]
        examples = [m for m, _ in pairs]
        if len({m.get(INTENT) for m in examples}) < 2:
            logger.warning("LetterTypeClassifier: fewer than two letter intents with examples; not trained")
            return self._resource
        chars, words = _char_vectorizer(), _word_vectorizer()
        texts = [m.get(TEXT) for m in examples]
        word_texts = [_words(m) for m in examples]
        features = hstack([
            chars.fit_transform(texts), words.fit_transform(word_texts),
            csr_matrix(np.vstack([vector for _, vector in pairs])),
        ]).tocsr()
        classifier = LogisticRegression(C=float(self._config["C"]), max_iter=3000)
        classifier.fit(features, [m.get(INTENT) for m in examples])
        logger.info("LetterTypeClassifier trained on %d letter examples", len(examples))
        self._model = {
            "classes": [str(c) for c in classifier.classes_],
            "char_vocabulary": {k: int(v) for k, v in chars.vocabulary_.items()},
            "word_vocabulary": {k: int(v) for k, v in words.vocabulary_.items()},
            "char_idf": chars.idf_, "word_idf": words.idf_,
            "coef": classifier.coef_, "intercept": classifier.intercept_,
        }
        self._vectorizers = (chars, words)
        self.persist()
        return self._resource

    # --- inference ------------------------------------------------------------------------------

    def _predict(self, message: Message) -> Optional[Dict[str, float]]:
        vector = _sentence_vector(message)
        if self._model is None or self._vectorizers is None or vector is None:
            return None
        model, (chars, words) = self._model, self._vectorizers
        features = hstack([
            chars.transform([message.get(TEXT)]), words.transform([_words(message)]), csr_matrix(vector[None, :]),
        ]).tocsr()
        logits = features @ model["coef"].T + model["intercept"]
        if len(model["classes"]) == 2:  # binary LR keeps one row of coefficients
            logits = np.hstack([np.zeros_like(logits), logits])
        probs = np.exp(logits - logits.max())
        probs = np.asarray(probs / probs.sum()).reshape(-1)
        return dict(zip(model["classes"], probs.tolist()))

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

    # --- storage --------------------------------------------------------------------------------

    def persist(self) -> None:
        if self._model is None:
            return
        model = self._model
        with self._model_storage.write_to(self._resource) as model_dir:
            (model_dir / "letter_classifier.json").write_text(json.dumps({
                "classes": model["classes"], "char_vocabulary": model["char_vocabulary"],
                "word_vocabulary": model["word_vocabulary"],
            }, ensure_ascii=False), encoding="utf-8")
            np.savez(
                model_dir / "letter_classifier.npz", char_idf=model["char_idf"], word_idf=model["word_idf"],
                coef=model["coef"], intercept=model["intercept"],
            )

    @classmethod
    def load(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext, **kwargs: Any,
    ) -> "LetterTypeClassifier":
        try:
            with model_storage.read_from(resource) as model_dir:
                meta = json.loads((model_dir / "letter_classifier.json").read_text(encoding="utf-8"))
                with np.load(model_dir / "letter_classifier.npz", allow_pickle=False) as arrays:
                    model = {**meta, **{key: arrays[key] for key in arrays.files}}
        except (ValueError, FileNotFoundError):
            logger.warning("LetterTypeClassifier: no trained model in storage; DIET's intents are kept")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model)
