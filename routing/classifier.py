"""Learned routing: e5 sentence embeddings + character n-grams → department probabilities.

Three views of a request are mixed: logistic regression on the e5 embedding, logistic regression on
character 1–3-gram TF-IDF, and the k nearest training requests (past work orders and our own
examples) by cosine similarity. The nearest ones also explain the decision ("nearest past work
orders"). The model is a plain pickle of scikit-learn objects and numpy arrays (loads in well under a
second); the embedding function is passed in, so the e5 model is loaded once per process.
"""
from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

Embed = Callable[[Sequence[str]], np.ndarray]
FORMAT_VERSION = 1
DEFAULT_WEIGHTS = (0.4, 0.3, 0.3)  # e5-LR, char-TF-IDF-LR, kNN
KNN_K = 5
KNN_TEMPERATURE = 0.05


@dataclass(frozen=True)
class Neighbour:
    """A training request close to the routed one."""

    source_id: str
    label: str
    similarity: float


@dataclass
class ClassifierOutput:
    """Probability per label (sums to 1) and the nearest training requests."""

    probabilities: dict[str, float]
    neighbours: list[Neighbour] = field(default_factory=list)

    def ranked(self) -> list[tuple[str, float]]:
        return sorted(self.probabilities.items(), key=lambda item: -item[1])


class RoutingClassifier:
    """Mixture of e5 logistic regression, char TF-IDF logistic regression and kNN."""

    def __init__(
        self,
        classes: list[str],
        embedding_model: object,
        tfidf: object,
        tfidf_model: object,
        train_vectors: np.ndarray,
        train_labels: list[str],
        train_ids: list[str],
        weights: tuple[float, float, float] = DEFAULT_WEIGHTS,
        metadata: dict | None = None,
    ) -> None:
        self.classes = list(classes)
        self._index = {label: i for i, label in enumerate(self.classes)}
        self.embedding_model = embedding_model
        self.tfidf = tfidf
        self.tfidf_model = tfidf_model
        self.train_vectors = np.asarray(train_vectors, dtype=np.float32)
        self.train_labels = list(train_labels)
        self.train_label_index = np.array([self._index[label] for label in self.train_labels])
        self.train_ids = list(train_ids)
        self.weights = weights
        self.metadata = dict(metadata or {})
        # Filled by training: maps a fused top score to the probability that the decision is right.
        self.calibration: tuple[list[float], list[float]] | None = None
        # Filled by training: rule weight fitted on held-out past work orders (None: use the configured one).
        self.rule_weight: float | None = None

    # ------------------------------------------------------------------ training
    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        ids: Sequence[str],
        vectors: np.ndarray,
        weights: tuple[float, float, float] = DEFAULT_WEIGHTS,
        c_embedding: float = 30.0,
        c_tfidf: float = 30.0,
        metadata: dict | None = None,
    ) -> RoutingClassifier:
        """Fit on ``texts`` with their e5 query ``vectors`` (row-aligned)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        if len(set(labels)) < 2:
            raise ValueError("need at least two departments to train a classifier")
        classes = sorted(set(labels))
        embedding_model = LogisticRegression(C=c_embedding, max_iter=3000).fit(vectors, labels)
        tfidf = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1)
        matrix = tfidf.fit_transform(list(texts))
        tfidf_model = LogisticRegression(C=c_tfidf, solver="saga", max_iter=300, tol=1e-3, random_state=0).fit(matrix, labels)
        for model in (embedding_model, tfidf_model):
            assert list(model.classes_) == classes
        return cls(classes, embedding_model, tfidf, tfidf_model, vectors, list(labels), list(ids), weights, metadata)

    # ------------------------------------------------------------------ prediction
    def predict_many(self, texts: Sequence[str], vectors: np.ndarray) -> list[ClassifierOutput]:
        if len(texts) == 0:
            return []
        mixed, neighbours = self._mixture(texts, vectors)
        return [
            ClassifierOutput({label: float(p) for label, p in zip(self.classes, row)}, near)
            for row, near in zip(mixed, neighbours)
        ]

    def predict(self, text: str, embed: Embed) -> ClassifierOutput:
        return self.predict_many([text], embed([text]))[0]

    def probability_matrix(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """Rows of probabilities in :attr:`classes` order (for evaluation)."""
        return self._mixture(texts, vectors)[0]

    def _mixture(self, texts: Sequence[str], vectors: np.ndarray) -> tuple[np.ndarray, list[list[Neighbour]]]:
        vectors = np.asarray(vectors, dtype=np.float32)
        w_embed, w_tfidf, w_knn = self.weights
        p_embed = self.embedding_model.predict_proba(vectors)
        p_tfidf = self.tfidf_model.predict_proba(self.tfidf.transform(list(texts)))
        p_knn, neighbours = self._knn(vectors)
        mixed = w_embed * p_embed + w_tfidf * p_tfidf + w_knn * p_knn
        mixed /= mixed.sum(axis=1, keepdims=True)
        return mixed, neighbours

    def _knn(self, vectors: np.ndarray) -> tuple[np.ndarray, list[list[Neighbour]]]:
        similarities = vectors @ self.train_vectors.T
        k = min(KNN_K, similarities.shape[1])
        top = np.argpartition(-similarities, k - 1, axis=1)[:, :k]
        probabilities = np.zeros((len(vectors), len(self.classes)), dtype=np.float64)
        neighbours: list[list[Neighbour]] = []
        for row, indexes in enumerate(top):
            indexes = indexes[np.argsort(-similarities[row, indexes])]
            sims = similarities[row, indexes].astype(np.float64)
            weights = np.exp((sims - sims.max()) / KNN_TEMPERATURE)
            np.add.at(probabilities[row], self.train_label_index[indexes], weights)
            neighbours.append([
                Neighbour(self.train_ids[i], self.train_labels[i], round(float(s), 3))
                for i, s in zip(indexes[:3], sims[:3])
            ])
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return probabilities, neighbours

    # ------------------------------------------------------------------ calibration
    def calibrate(self, score: float) -> float:
        """Probability that a decision with fused top score ``score`` is right (identity if untrained)."""
        if self.calibration is None:
            return score
        xs, ys = self.calibration
        return float(np.interp(score, xs, ys))

    # ------------------------------------------------------------------ persistence
    def save(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {"format": FORMAT_VERSION, **self.__dict__}
        state["train_vectors"] = self.train_vectors.astype(np.float16)
        tmp = path.with_suffix(path.suffix + ".tmp")
        with tmp.open("wb") as handle:
            pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> RoutingClassifier:
        with Path(path).open("rb") as handle:
            state = pickle.load(handle)  # noqa: S301 - our own file under var/
        if state.pop("format", None) != FORMAT_VERSION:
            raise ValueError(f"{path}: routing model of another format; retrain with `hotline routing train`")
        model = cls.__new__(cls)
        model.__dict__.update(state)
        model.__dict__.setdefault("rule_weight", None)  # models saved before the weight was fitted
        model.train_vectors = np.asarray(model.train_vectors, dtype=np.float32)
        return model
