"""Lexical retrieval: BM25 over jieba words and character bigrams, with cheap single-entry updates.

Terms are jieba words (``w:`` prefix) and character bigrams of each run of letters/digits/CJK
(``b:`` prefix), so a caller's wording that jieba splits differently from the document still
matches on bigrams. Documents are "rows"; the owner maps rows to entries.

Storage is a compressed sparse column matrix of term frequencies built once, plus a small
dictionary of rows added since (the "delta") and a mask of removed rows, so adding, updating or
retiring one entry costs a few milliseconds. `compact()` folds the delta back into the matrix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

_RUN = re.compile(r"[0-9A-Za-z\u3400-\u9fff]+")
_WORD = re.compile(r"[0-9A-Za-z\u3400-\u9fff]")


def _jieba() -> Any:  # the jieba module, imported lazily: jieba prints to stderr on first use
    import jieba

    jieba.setLogLevel(60)
    return jieba


def tokenize(text: str) -> list[str]:
    """Index terms of `text`: jieba words plus character bigrams (lower-cased)."""
    text = text.lower()
    terms = [f"w:{word}" for word in _jieba().lcut(text, HMM=False) if _WORD.search(word)]
    for run in _RUN.findall(text):
        if len(run) == 1:
            terms.append(f"b:{run}")
        terms.extend(f"b:{run[i : i + 2]}" for i in range(len(run) - 1))
    return terms


def _counts(terms: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for term in terms:
        counts[term] = counts.get(term, 0) + 1
    return counts


@dataclass
class LexicalIndex:
    """BM25 (k1, b) over rows of term counts."""

    k1: float = 1.2
    b: float = 0.75
    vocab: dict[str, int] = field(default_factory=dict)
    matrix: sparse.csc_matrix = field(default_factory=lambda: sparse.csc_matrix((0, 0), dtype=np.float32))
    rows_terms: sparse.csr_matrix = field(default_factory=lambda: sparse.csr_matrix((0, 0), dtype=np.float32))
    lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    alive: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    df: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    delta: dict[int, dict[int, int]] = field(default_factory=dict)

    # ----- building -------------------------------------------------------------------------
    @classmethod
    def build(cls, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> LexicalIndex:
        return cls.from_terms([tokenize(text) for text in texts], k1, b)

    @classmethod
    def from_terms(cls, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> LexicalIndex:
        vocab: dict[str, int] = {}
        indptr, indices, data = [0], [], []
        for terms in documents:
            for term, count in _counts(terms).items():
                indices.append(vocab.setdefault(term, len(vocab)))
                data.append(count)
            indptr.append(len(indices))
        shape = (len(documents), len(vocab))
        rows = sparse.csr_matrix(
            (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32), np.asarray(indptr)),
            shape=shape,
        )
        index = cls(k1=k1, b=b, vocab=vocab)
        index._install(rows)
        return index

    def _install(self, rows: sparse.csr_matrix) -> None:
        self.rows_terms = rows
        self.matrix = rows.tocsc()
        self.lengths = np.asarray(rows.sum(axis=1), dtype=np.float32).ravel()
        self.alive = np.ones(rows.shape[0], dtype=bool)
        self.df = np.diff(self.matrix.indptr).astype(np.int64)
        self.delta = {}

    @property
    def size(self) -> int:
        """Number of row slots (alive or not)."""
        return len(self.alive)

    @property
    def live_rows(self) -> int:
        return int(self.alive.sum())

    # ----- updates --------------------------------------------------------------------------
    def add(self, text: str) -> int:
        """Add one document; returns its row."""
        counts = _counts(tokenize(text))
        term_ids: dict[int, int] = {}
        for term, count in counts.items():
            term_id = self.vocab.setdefault(term, len(self.vocab))
            term_ids[term_id] = count
        if len(self.vocab) > len(self.df):
            self.df = np.concatenate([self.df, np.zeros(len(self.vocab) - len(self.df), dtype=np.int64)])
        for term_id in term_ids:
            self.df[term_id] += 1
        row = self.size
        self.delta[row] = term_ids
        self.lengths = np.append(self.lengths, np.float32(sum(counts.values())))
        self.alive = np.append(self.alive, True)
        return row

    def remove(self, row: int) -> None:
        """Forget a row (its slot stays, masked out)."""
        if row >= self.size or not self.alive[row]:
            return
        self.alive[row] = False
        if row in self.delta:
            term_ids = np.fromiter(self.delta.pop(row), dtype=np.int64)
        else:
            start, end = self.rows_terms.indptr[row], self.rows_terms.indptr[row + 1]
            term_ids = self.rows_terms.indices[start:end]
        self.df[term_ids] -= 1

    def compact(self) -> list[int]:
        """Drop removed rows and fold the delta into the matrix; returns old row → new row (-1 gone)."""
        keep = np.flatnonzero(self.alive)
        mapping = np.full(self.size, -1, dtype=np.int64)
        mapping[keep] = np.arange(len(keep))
        base_rows = self.rows_terms.shape[0]
        n_terms = len(self.vocab)
        base = self.rows_terms
        if base.shape[1] < n_terms:
            base = sparse.csr_matrix((base.data, base.indices, base.indptr), shape=(base_rows, n_terms))
        parts = [base]
        if self.size > base_rows:
            indptr, indices, data = [0], [], []
            for row in range(base_rows, self.size):
                for term_id, count in self.delta.get(row, {}).items():
                    indices.append(term_id)
                    data.append(count)
                indptr.append(len(indices))
            parts.append(
                sparse.csr_matrix(
                    (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32), np.asarray(indptr)),
                    shape=(self.size - base_rows, n_terms),
                )
            )
        rows = sparse.vstack(parts, format="csr")[keep]
        self._install(sparse.csr_matrix(rows, dtype=np.float32))
        return mapping.tolist()

    # ----- search ---------------------------------------------------------------------------
    def query_terms(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Known term ids of `text` and their BM25 idf."""
        ids = sorted({self.vocab[t] for t in tokenize(text) if t in self.vocab})
        term_ids = np.asarray(ids, dtype=np.int64)
        n = max(self.live_rows, 1)
        df = self.df[term_ids].astype(np.float64)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        keep = df > 0
        return term_ids[keep], idf[keep]

    def scores(self, text: str) -> tuple[np.ndarray, float]:
        """BM25 score of every row, and the best reachable score for this query.

        The second value (every known query term matched once, in a document of average length)
        turns a score into the share of the query's weight the document covers.
        """
        term_ids, idf = self.query_terms(text)
        scores = np.zeros(self.size, dtype=np.float32)
        if not len(term_ids):
            return scores, 0.0
        live = self.lengths[self.alive]
        avgdl = float(live.mean()) if len(live) else 1.0
        k1, b = self.k1, self.b
        norm = (k1 * (1.0 - b + b * self.lengths / avgdl)).astype(np.float32)
        base_terms = self.matrix.shape[1]
        for term_id, weight in zip(term_ids, idf, strict=True):
            if term_id < base_terms:
                start, end = self.matrix.indptr[term_id], self.matrix.indptr[term_id + 1]
                rows = self.matrix.indices[start:end]
                tf = self.matrix.data[start:end]
                scores[rows] += np.float32(weight) * tf * (k1 + 1.0) / (tf + norm[rows])
        if self.delta:
            wanted = dict(zip(term_ids.tolist(), idf.tolist(), strict=True))
            for row, terms in self.delta.items():
                total = 0.0
                for term_id, tf in terms.items():
                    weight = wanted.get(term_id)
                    if weight is not None:
                        total += weight * tf * (k1 + 1.0) / (tf + norm[row])
                scores[row] += total
        scores[~self.alive] = 0.0
        best = float(idf.sum())  # tf=1, dl=avgdl gives (k1+1)/(1+k1) = 1 per term
        return scores, best

    def top(self, text: str, k: int) -> list[tuple[int, float]]:
        """Best `k` rows as (row, coverage) with coverage = score / best reachable score."""
        scores, best = self.scores(text)
        if best <= 0 or not len(scores):
            return []
        k = min(k, len(scores))
        candidates = np.argpartition(-scores, k - 1)[:k]
        ranked = sorted(candidates.tolist(), key=lambda row: -scores[row])
        return [(row, float(scores[row]) / best) for row in ranked if scores[row] > 0]

    # ----- persistence ----------------------------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        """Everything needed to restore the index (call `compact()` first)."""
        if self.delta or not self.alive.all():
            self.compact()
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        return {
            "vocab": np.asarray(terms, dtype=object).astype(str),
            "indptr": self.rows_terms.indptr,
            "indices": self.rows_terms.indices,
            "data": self.rows_terms.data,
            "params": np.asarray([self.k1, self.b], dtype=np.float64),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> LexicalIndex:
        vocab = {str(term): i for i, term in enumerate(arrays["vocab"].tolist())}
        rows = sparse.csr_matrix(
            (arrays["data"], arrays["indices"], arrays["indptr"]),
            shape=(len(arrays["indptr"]) - 1, len(vocab)),
        )
        k1, b = (float(x) for x in arrays["params"])
        index = cls(k1=k1, b=b, vocab=vocab)
        index._install(rows)
        return index
