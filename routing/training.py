"""Training the routing classifier from our examples and imported history, with calibration."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from routing.aliases import LOCAL_LABEL
from routing.classifier import RoutingClassifier
from routing.directory import CityDirectory
from routing.history import HistoryRecord
from routing.router import Router, fuse_raw, normalise

logger = logging.getLogger(__name__)
EXAMPLES_FILE = "routing_examples.yaml"
CALIBRATION_FOLDS = 5
# New texts embedded between two saves of the embedding cache.
CHECKPOINT_EVERY = 256
# Rule weights tried when fitting, as fractions of the configured prior (first wins ties).
RULE_WEIGHT_STEPS = (1.0, 0.75, 0.5, 0.25, 0.1, 0.0)
# Id prefix of auxiliary training texts (e.g. an FAQ's answer): learned from, but not requests, so
# neither the rule weight nor the calibration is fitted on them.
AUXILIARY_PREFIX = "aux:"


def load_examples(city_dir: Path, directory: CityDirectory | None = None) -> list[HistoryRecord]:
    """Our own routing examples, labels canonicalised (local governments → LOCAL_LABEL)."""
    city_dir = Path(city_dir)
    directory = directory or CityDirectory.load(city_dir)
    with (city_dir / EXAMPLES_FILE).open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle) or {}
    records: list[HistoryRecord] = []
    for label, texts in (data.get("examples") or {}).items():
        canonical = _canonical_label(str(label), directory)
        for number, text in enumerate(texts or [], start=1):
            records.append(HistoryRecord(f"example:{canonical}#{number}", str(text).strip(), canonical))
    return records


def _canonical_label(label: str, directory: CityDirectory) -> str:
    if label == LOCAL_LABEL:
        return LOCAL_LABEL
    department = directory.department(label)
    if department is None:
        raise ValueError(f"{EXAMPLES_FILE}: unknown department {label!r}")
    return LOCAL_LABEL if department.is_local_government else department.name


class EmbeddingCache:
    """e5 query vectors by text hash, kept in one .npz file (float32: a rounded copy would route a few
    borderline requests differently from the first, uncached run) so retraining does not re-embed.

    Large batches are saved every :data:`CHECKPOINT_EVERY` new texts, so an interrupted run resumes.
    """

    def __init__(self, embed: Callable[[Sequence[str]], np.ndarray], path: Path | None = None) -> None:
        self._embed = embed
        self.path = Path(path) if path else None
        self._vectors: dict[str, np.ndarray] = {}
        if self.path and self.path.exists():
            data = np.load(self.path)
            self._vectors = dict(zip(data["keys"].tolist(), data["vectors"].astype(np.float32), strict=True))
        self._dirty = False

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}.items())
        for start in range(0, len(missing), CHECKPOINT_EVERY):
            chunk = missing[start : start + CHECKPOINT_EVERY]
            vectors = self._embed([t for _, t in chunk])
            for (k, _), vector in zip(chunk, vectors, strict=True):
                self._vectors[k] = np.asarray(vector, dtype=np.float32)
            self._dirty = True
            if len(missing) > CHECKPOINT_EVERY:
                # A long embedding run (thousands of work orders on a small CPU) can be interrupted:
                # keep what is done, so the next run resumes instead of starting over.
                self.save()
                logger.info("embedded %d of %d new texts", min(start + CHECKPOINT_EVERY, len(missing)), len(missing))
        return np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, 384), np.float32)

    def save(self) -> None:
        if not (self.path and self._dirty):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self._vectors)
        tmp = self.path.with_name(self.path.stem + ".tmp.npz")
        np.savez(tmp, keys=np.array(keys), vectors=np.stack([self._vectors[k] for k in keys]).astype(np.float32))
        tmp.replace(self.path)
        self._dirty = False


@dataclass(frozen=True)
class OutOfFold:
    """One training record predicted by a model that did not see it, with the rules' view of it."""

    label: str
    is_history: bool
    rule_ranked: list[tuple[str, float, str]]
    probabilities: dict[str, float]


def train_classifier(
    records: list[HistoryRecord],
    embed: Callable[[Sequence[str]], np.ndarray],
    router: Router,
    calibrate: bool = True,
    metadata: dict[str, Any] | None = None,
) -> RoutingClassifier:
    """Fit on ``records``; fit the rule weight and calibrate fused scores on out-of-fold predictions."""
    texts = [normalise(r.text) for r in records]  # as the router sees requests (NFKC)
    labels = [r.department for r in records]
    ids = [r.id for r in records]
    vectors = embed(texts)
    classifier = RoutingClassifier.train(texts, labels, ids, vectors, metadata=metadata)
    if calibrate:
        predictions = _out_of_fold(texts, labels, ids, vectors, router)
        classifier.rule_weight = fit_rule_weight(predictions, router.rule_weight, router.min_history)
        classifier.calibration = _calibration(calibration_set(predictions, router.min_history), classifier.rule_weight)
        classifier.metadata["rule_weight"] = classifier.rule_weight
    return classifier


def is_history(record_id: str) -> bool:
    """Imported past work orders, as opposed to our own routing examples and auxiliary texts."""
    return not record_id.startswith(("example:", AUXILIARY_PREFIX))


def _out_of_fold(
    texts: list[str], labels: list[str], ids: list[str], vectors: np.ndarray, router: Router
) -> list[OutOfFold]:
    """Every record predicted by a model trained on the other folds."""
    from sklearn.model_selection import KFold

    rules_only = router.with_classifier(None, None)
    predictions: list[OutOfFold] = []
    folds = KFold(n_splits=CALIBRATION_FOLDS, shuffle=True, random_state=0)
    for train_idx, test_idx in folds.split(texts):
        fold_labels = [labels[i] for i in train_idx]
        if len(set(fold_labels)) < 2:
            continue
        model = RoutingClassifier.train(
            [texts[i] for i in train_idx], fold_labels, [ids[i] for i in train_idx], vectors[train_idx]
        )
        outputs = model.predict_many([texts[i] for i in test_idx], vectors[test_idx])
        for i, output in zip(test_idx, outputs, strict=True):
            predictions.append(
                OutOfFold(labels[i], is_history(ids[i]), rules_only.rule_candidates(texts[i]), output.probabilities)
            )
    return predictions


def fit_rule_weight(predictions: list[OutOfFold], prior: float, min_history: int) -> float:
    """The rule weight that routes held-out past work orders best; ``prior`` without enough history.

    Candidates run from ``prior`` down to 0 (rules ignored). Ties go to the larger weight, so the
    rules keep their say unless the history shows they cost accuracy.
    """
    held_out = [p for p in predictions if p.is_history]
    if len(held_out) < max(min_history, 1):
        return prior
    best_weight, best_correct = prior, -1
    for weight in (prior * f for f in RULE_WEIGHT_STEPS):
        correct = sum(fuse_raw(p.rule_ranked, p.probabilities, weight)[0][0] == p.label for p in held_out)
        if correct > best_correct:
            best_weight, best_correct = weight, correct
    logger.info(
        "rule weight %.3f fitted on %d held-out past work orders (accuracy %.3f; prior %.3f)",
        best_weight,
        len(held_out),
        best_correct / len(held_out),
        prior,
    )
    return round(best_weight, 4)


def calibration_set(predictions: list[OutOfFold], min_history: int) -> list[OutOfFold]:
    """Held-out past work orders when there are enough of them (they are what the router will see),
    else every held-out record, our own examples included."""
    held_out = [p for p in predictions if p.is_history]
    return held_out if len(held_out) >= max(min_history, 1) else predictions


def _calibration(predictions: list[OutOfFold], rule_weight: float) -> tuple[list[float], list[float]]:
    """Isotonic map fused top score → P(correct), from out-of-fold predictions."""
    from sklearn.isotonic import IsotonicRegression

    scores: list[float] = []
    correct: list[float] = []
    for p in predictions:
        department, score = fuse_raw(p.rule_ranked, p.probabilities, rule_weight)[0]
        scores.append(score)
        correct.append(float(department == p.label))
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip")
    iso.fit(scores, correct)
    logger.info("calibration on %d out-of-fold predictions: accuracy %.3f", len(scores), np.mean(correct))
    return [float(x) for x in iso.X_thresholds_], [float(y) for y in iso.y_thresholds_]


def build_model(
    city_dir: Path,
    model_path: Path,
    history_path: Path | None,
    embed: Callable[[Sequence[str]], np.ndarray],
    extra: list[HistoryRecord] | None = None,
) -> tuple[RoutingClassifier, dict[str, Any]]:
    """Train on the city's examples + stored history (+ ``extra``) and save to ``model_path``."""
    from routing.history import load_history

    router = Router.from_city_dir(city_dir, model_path=None)
    examples = load_examples(city_dir, router.directory)
    history = load_history(history_path) if history_path else []
    records = examples + history + list(extra or [])
    summary = {
        "examples": len(examples),
        "history": len(history) + len(extra or []),
        "departments": len({r.department for r in records}),
    }
    classifier = train_classifier(records, embed, router, metadata=summary)
    classifier.save(model_path)
    return classifier, summary
