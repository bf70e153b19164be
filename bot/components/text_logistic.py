"""A logistic regression over character TF-IDF, optional word TF-IDF and a dense sentence vector.

Shared by the NLU components that second-guess DIET (LetterTypeClassifier, OutOfScopeGate). It has
no Rasa import: the components hand it texts, jieba words and e5 vectors, so it can be unit-tested
in the application environment. The model is stored as plain arrays (vocabularies, idf weights,
coefficients) in a JSON and an NPZ file, not as a pickle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression


def _char_vectorizer(vocabulary: Optional[Dict[str, int]] = None) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, vocabulary=vocabulary)


def _word_vectorizer(vocabulary: Optional[Dict[str, int]] = None) -> TfidfVectorizer:
    # Input is the tokenizer's words joined by single spaces.
    return TfidfVectorizer(
        analyzer="word",
        token_pattern=r"\S+",
        ngram_range=(1, 2),
        sublinear_tf=True,
        lowercase=False,
        vocabulary=vocabulary,
    )


def _fitted(vectorizer: TfidfVectorizer, idf: np.ndarray) -> TfidfVectorizer:
    vectorizer.idf_ = idf
    return vectorizer


@dataclass
class TextLogisticModel:
    """A fitted model: classes, vectorizers and the regression's coefficients."""

    classes: list[str]
    chars: TfidfVectorizer
    words: Optional[TfidfVectorizer]
    coef: np.ndarray
    intercept: np.ndarray

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        vectors: np.ndarray,
        labels: Sequence[str],
        C: float,
        word_texts: Optional[Sequence[str]] = None,
        class_weight: Optional[str] = None,
    ) -> "TextLogisticModel":
        """Fits on texts, their sentence vectors and, when given, their words (space-joined)."""
        chars = _char_vectorizer()
        words = _word_vectorizer() if word_texts is not None else None
        blocks = [chars.fit_transform(list(texts))]
        if words is not None:
            blocks.append(words.fit_transform(list(word_texts or [])))
        blocks.append(csr_matrix(np.asarray(vectors)))
        classifier = LogisticRegression(C=C, max_iter=3000, class_weight=class_weight)
        classifier.fit(hstack(blocks).tocsr(), list(labels))
        return cls(
            [str(c) for c in classifier.classes_],
            chars,
            words,
            classifier.coef_,
            classifier.intercept_,
        )

    def probabilities(self, text: str, vector: np.ndarray, word_text: str = "") -> Dict[str, float]:
        """Each class's probability for one message."""
        blocks = [self.chars.transform([text])]
        if self.words is not None:
            blocks.append(self.words.transform([word_text]))
        blocks.append(csr_matrix(np.asarray(vector).reshape(1, -1)))
        logits = hstack(blocks).tocsr() @ self.coef.T + self.intercept
        if len(self.classes) == 2:  # a binary regression keeps one row of coefficients
            logits = np.hstack([np.zeros_like(logits), logits])
        probs = np.exp(logits - logits.max())
        probs = np.asarray(probs / probs.sum()).reshape(-1)
        return dict(zip(self.classes, probs.tolist()))

    # --- storage ----------------------------------------------------------------------------------

    def save(self, directory: Path, stem: str) -> None:
        meta: Dict[str, Any] = {"classes": self.classes, "char_vocabulary": _vocabulary(self.chars)}
        arrays = {"char_idf": self.chars.idf_, "coef": self.coef, "intercept": self.intercept}
        if self.words is not None:
            meta["word_vocabulary"] = _vocabulary(self.words)
            arrays["word_idf"] = self.words.idf_
        (directory / f"{stem}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        np.savez(directory / f"{stem}.npz", **arrays)

    @classmethod
    def load(cls, directory: Path, stem: str) -> "TextLogisticModel":
        """Raises FileNotFoundError when nothing was saved under ``stem``."""
        meta = json.loads((directory / f"{stem}.json").read_text(encoding="utf-8"))
        with np.load(directory / f"{stem}.npz", allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in stored.files}
        words = None
        if "word_vocabulary" in meta:
            words = _fitted(_word_vectorizer(meta["word_vocabulary"]), arrays["word_idf"])
        return cls(
            list(meta["classes"]),
            _fitted(_char_vectorizer(meta["char_vocabulary"]), arrays["char_idf"]),
            words,
            arrays["coef"],
            arrays["intercept"],
        )


def _vocabulary(vectorizer: TfidfVectorizer) -> Dict[str, int]:
    return {term: int(index) for term, index in vectorizer.vocabulary_.items()}
