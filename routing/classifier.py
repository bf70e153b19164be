"""Learned routing: e5 sentence embeddings + character n-grams → department probabilities.

Three views of a request are mixed: logistic regression on the e5 embedding, logistic regression on
character 1–3-gram TF-IDF, and the k nearest training requests (past work orders and our own
examples) by cosine similarity. The nearest ones also explain the decision ("nearest past work
orders"). The embedding function is passed in, so the e5 model is loaded once per process.

scikit-learn fits the models; prediction uses their fitted attributes only (:class:`LinearModel`,
:class:`CharTfidf`, numpy code giving scikit-learn's probabilities). A saved model is two files and
no pickle (loading a pickle runs code, so whoever can write it would own the action server):
``model.npz`` holds the arrays (read with ``allow_pickle=False``) and ``model.json`` the labels,
vocabulary, calibration thresholds, metadata and the SHA-256 of the ``.npz``. The JSON file is
written last and is the one a path names; a ``.pkl`` left by an older version is never opened.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

Embed = Callable[[Sequence[str]], np.ndarray]
FORMAT = "hotline-routing-classifier"
FORMAT_VERSION = 2
DEFAULT_WEIGHTS = (0.4, 0.3, 0.3)  # e5-LR, char-TF-IDF-LR, kNN
KNN_K = 5
KNN_TEMPERATURE = 0.05
NGRAM_RANGE = (1, 3)
_WHITE_SPACES = re.compile(r"\s\s+")  # as scikit-learn's char analyzer


class ModelFileError(ValueError):
    """A routing model file that is missing, of another format, altered or inconsistent."""


@dataclass(frozen=True)
class LinearModel:
    """A fitted logistic regression's ``predict_proba``: softmax over classes, or the sigmoid for two."""

    coef: np.ndarray  # (n_classes, n_features), or (1, n_features) for two classes
    intercept: np.ndarray

    @classmethod
    def from_sklearn(cls, model: Any) -> LinearModel:
        return cls(np.asarray(model.coef_, dtype=np.float64), np.asarray(model.intercept_, dtype=np.float64))

    def predict_proba(self, features: Any) -> np.ndarray:
        """Rows of class probabilities for a dense array or a scipy sparse matrix of ``features``."""
        decision: np.ndarray = np.asarray(features @ self.coef.T) + self.intercept
        if self.coef.shape[0] == 1:
            positive = 1.0 / (1.0 + np.exp(-decision[:, 0]))
            return np.stack([1.0 - positive, positive], axis=1)
        decision -= decision.max(axis=1, keepdims=True)
        np.exp(decision, out=decision)
        decision /= decision.sum(axis=1, keepdims=True)
        return decision


@dataclass(frozen=True)
class CharTfidf:
    """scikit-learn's ``TfidfVectorizer(analyzer="char", sublinear_tf=True)`` transform from its fitted
    vocabulary and idf: lowercased, runs of white space made one space, 1–3-grams, 1 + log(tf) × idf,
    rows L2-normalised."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    ngram_range: tuple[int, int] = NGRAM_RANGE

    @classmethod
    def from_sklearn(cls, vectorizer: Any) -> CharTfidf:
        vocabulary = {str(term): int(index) for term, index in vectorizer.vocabulary_.items()}
        return cls(vocabulary, np.asarray(vectorizer.idf_, dtype=np.float64), tuple(vectorizer.ngram_range))

    def terms(self) -> list[str]:
        """The vocabulary in column order."""
        ordered = [""] * len(self.vocabulary)
        for term, index in self.vocabulary.items():
            ordered[index] = term
        return ordered

    def ngrams(self, text: str) -> list[str]:
        text = _WHITE_SPACES.sub(" ", text.lower())
        low, high = self.ngram_range
        return [text[i : i + n] for n in range(low, min(high, len(text)) + 1) for i in range(len(text) - n + 1)]

    def transform(self, texts: Sequence[str]) -> Any:
        """A CSR matrix (rows: texts, columns: the vocabulary)."""
        from scipy.sparse import csr_matrix

        indptr: list[int] = [0]
        indices: list[int] = []
        data: list[float] = []
        for text in texts:
            columns, counts = np.unique(
                [self.vocabulary[g] for g in self.ngrams(text) if g in self.vocabulary], return_counts=True
            )
            weights = (np.log(counts) + 1.0) * self.idf[columns] if len(columns) else np.zeros(0)
            norm = np.sqrt(np.dot(weights, weights))
            indices.extend(columns.tolist())
            data.extend((weights / norm if norm else weights).tolist())
            indptr.append(len(indices))
        shape = (len(texts), len(self.vocabulary))
        return csr_matrix((np.array(data, dtype=np.float64), np.array(indices, dtype=np.int64), indptr), shape=shape)


def fit_sklearn_models(
    texts: Sequence[str], labels: Sequence[str], vectors: np.ndarray, c_embedding: float, c_tfidf: float
) -> tuple[Any, Any, Any]:
    """The scikit-learn models behind a classifier: e5 LR, the char TF-IDF vectoriser and its LR."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    classes = sorted(set(labels))
    embedding_model = LogisticRegression(C=c_embedding, max_iter=3000).fit(vectors, labels)
    tfidf = TfidfVectorizer(analyzer="char", ngram_range=NGRAM_RANGE, sublinear_tf=True, min_df=1)
    matrix = tfidf.fit_transform(list(texts))
    tfidf_model = LogisticRegression(C=c_tfidf, solver="saga", max_iter=300, tol=1e-3, random_state=0).fit(
        matrix, labels
    )
    for model in (embedding_model, tfidf_model):
        assert list(model.classes_) == classes
    return embedding_model, tfidf, tfidf_model


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
        embedding_model: LinearModel,
        tfidf: CharTfidf,
        tfidf_model: LinearModel,
        train_vectors: np.ndarray,
        train_labels: list[str],
        train_ids: list[str],
        weights: tuple[float, float, float] = DEFAULT_WEIGHTS,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.classes = list(classes)
        self._index = {label: i for i, label in enumerate(self.classes)}
        self.embedding_model = embedding_model
        self.tfidf = tfidf
        self.tfidf_model = tfidf_model
        self.train_vectors = np.asarray(train_vectors, dtype=np.float32)
        self.train_labels = list(train_labels)
        self.train_label_index = np.array([self._index[label] for label in self.train_labels], dtype=np.int64)
        self.train_ids = list(train_ids)
        self.weights = tuple(float(w) for w in weights)
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
        metadata: dict[str, Any] | None = None,
    ) -> RoutingClassifier:
        """Fit on ``texts`` with their e5 query ``vectors`` (row-aligned)."""
        if len(set(labels)) < 2:
            raise ValueError("need at least two departments to train a classifier")
        embedding_model, tfidf, tfidf_model = fit_sklearn_models(texts, labels, vectors, c_embedding, c_tfidf)
        return cls(
            sorted(set(labels)),
            LinearModel.from_sklearn(embedding_model),
            CharTfidf.from_sklearn(tfidf),
            LinearModel.from_sklearn(tfidf_model),
            vectors,
            list(labels),
            list(ids),
            weights,
            metadata,
        )

    # ------------------------------------------------------------------ prediction
    def predict_many(self, texts: Sequence[str], vectors: np.ndarray) -> list[ClassifierOutput]:
        if len(texts) == 0:
            return []
        mixed, neighbours = self._mixture(texts, vectors)
        return [
            ClassifierOutput({label: float(p) for label, p in zip(self.classes, row, strict=True)}, near)
            for row, near in zip(mixed, neighbours, strict=True)
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
            neighbours.append(
                [
                    Neighbour(self.train_ids[i], self.train_labels[i], round(float(s), 3))
                    for i, s in zip(indexes[:3], sims[:3], strict=True)
                ]
            )
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
        """Write ``<stem>.npz`` (arrays) then ``<stem>.json`` (the rest, with the arrays' SHA-256)."""
        manifest, arrays = model_files(path)
        manifest.parent.mkdir(parents=True, exist_ok=True)
        tmp_arrays = arrays.with_name(arrays.stem + ".tmp.npz")
        values: dict[str, Any] = self._arrays()
        np.savez(tmp_arrays, **values)
        doc = {**self._manifest(), "arrays": {"file": arrays.name, "sha256": _sha256(tmp_arrays)}}
        tmp_manifest = manifest.with_name(manifest.name + ".tmp")
        tmp_manifest.write_text(json.dumps(doc, ensure_ascii=False, default=_json_default), encoding="utf-8")
        tmp_arrays.replace(arrays)
        tmp_manifest.replace(manifest)

    def _arrays(self) -> dict[str, np.ndarray]:
        return {
            "embedding_coef": self.embedding_model.coef,
            "embedding_intercept": self.embedding_model.intercept,
            "tfidf_idf": self.tfidf.idf,
            "tfidf_coef": self.tfidf_model.coef,
            "tfidf_intercept": self.tfidf_model.intercept,
            "train_vectors": self.train_vectors,
            "train_label_index": self.train_label_index,
        }

    def _manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "labels": self.classes,
            "weights": list(self.weights),
            "tfidf": {"ngram_range": list(self.tfidf.ngram_range), "vocabulary": self.tfidf.terms()},
            "thresholds": {
                "calibration": None
                if self.calibration is None
                else {
                    "scores": list(self.calibration[0]),
                    "probabilities": list(self.calibration[1]),
                },
                "rule_weight": self.rule_weight,
            },
            "train_ids": self.train_ids,
            "metadata": self.metadata,
        }

    @classmethod
    def load(cls, path: Path) -> RoutingClassifier:
        """Read a model saved by :meth:`save` (no pickle: JSON + arrays checked against their SHA-256)."""
        manifest, arrays_path = model_files(path)
        doc = _read_manifest(manifest)
        expected = str((doc.get("arrays") or {}).get("sha256", ""))
        if not arrays_path.exists():
            raise ModelFileError(f"{arrays_path} missing; retrain with `hotline routing train`")
        if _sha256(arrays_path) != expected:
            raise ModelFileError(
                f"{arrays_path} does not match the SHA-256 in {manifest}; retrain with `hotline routing train`"
            )
        with np.load(arrays_path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        try:
            return cls._from_parts(doc, arrays)
        except (KeyError, TypeError, IndexError) as error:
            raise ModelFileError(f"{manifest}: incomplete routing model ({error!r}); retrain") from error

    @classmethod
    def _from_parts(cls, doc: dict[str, Any], arrays: dict[str, np.ndarray]) -> RoutingClassifier:
        classes = [str(label) for label in doc["labels"]]
        label_index = arrays["train_label_index"]
        if label_index.size and (label_index.min() < 0 or label_index.max() >= len(classes)):
            raise ModelFileError("routing model: training labels out of range; retrain")
        terms = [str(term) for term in doc["tfidf"]["vocabulary"]]
        model = cls(
            classes,
            LinearModel(arrays["embedding_coef"], arrays["embedding_intercept"]),
            CharTfidf(
                {term: i for i, term in enumerate(terms)}, arrays["tfidf_idf"], tuple(doc["tfidf"]["ngram_range"])
            ),
            LinearModel(arrays["tfidf_coef"], arrays["tfidf_intercept"]),
            arrays["train_vectors"],
            [classes[i] for i in label_index.tolist()],
            [str(i) for i in doc["train_ids"]],
            tuple(doc["weights"]),
            doc.get("metadata") or {},
        )
        thresholds = doc.get("thresholds") or {}
        calibration = thresholds.get("calibration")
        if calibration is not None:
            model.calibration = (
                [float(x) for x in calibration["scores"]],
                [float(y) for y in calibration["probabilities"]],
            )
        rule_weight = thresholds.get("rule_weight")
        model.rule_weight = None if rule_weight is None else float(rule_weight)
        _check_shapes(model)
        return model


def model_files(path: Path) -> tuple[Path, Path]:
    """(manifest .json, arrays .npz) of the model named by ``path`` (either file, or their common stem).

    A ``.pkl`` path is refused: models are no longer pickles, and an old one is never opened.
    """
    path = Path(path)
    if path.suffix == ".pkl":
        raise ModelFileError(
            f"{path}: pickled routing models are not loaded any more; retrain with `hotline routing train`"
        )
    stem = path.with_suffix("") if path.suffix in (".json", ".npz") else path
    return stem.with_name(stem.name + ".json"), stem.with_name(stem.name + ".npz")


def _read_manifest(manifest: Path) -> dict[str, Any]:
    if not manifest.exists():
        raise FileNotFoundError(f"routing model {manifest} not found; run `hotline routing train`")
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != FORMAT_VERSION:
        raise ModelFileError(f"{manifest}: routing model of another format; retrain with `hotline routing train`")
    return doc


def _check_shapes(model: RoutingClassifier) -> None:
    """Refuse arrays that do not fit together (a hand-edited or mixed-up model)."""
    n_classes = len(model.classes)
    rows = 1 if n_classes == 2 else n_classes
    problems = []
    if model.embedding_model.coef.shape != (rows, model.train_vectors.shape[1]):
        problems.append("embedding_coef")
    if model.tfidf_model.coef.shape != (rows, len(model.tfidf.vocabulary)) or len(model.tfidf.idf) != len(
        model.tfidf.vocabulary
    ):
        problems.append("tfidf")
    if not (len(model.train_ids) == len(model.train_labels) == model.train_vectors.shape[0]):
        problems.append("training rows")
    if len(model.weights) != 3:
        problems.append("weights")
    if problems:
        raise ModelFileError(f"routing model arrays do not fit together: {', '.join(problems)}; retrain")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
