"""The routing model on disk: .npz arrays + JSON manifest, no pickle; same predictions after loading."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from routing import paths
from routing.classifier import (
    CharTfidf,
    LinearModel,
    ModelFileError,
    RoutingClassifier,
    fit_sklearn_models,
    model_files,
)
from routing.router import Router
from routing.training import load_examples
from tests.unit.routing_fakes import fake_embed

CITY_DIR = Path(__file__).resolve().parents[2] / "cities" / "jiaozuo"
PROBES = [
    "小区路灯坏了好几天没人修",
    "宽带老是掉线  WiFi  连不上",  # runs of spaces and upper-case Latin letters
    "残疾孩子的康复训练能补贴多少",
    "𪚥𪚥",  # nothing in the vocabulary
    "",
]


@pytest.fixture(scope="module")
def data() -> tuple[list[str], list[str], list[str], np.ndarray]:
    records = load_examples(CITY_DIR)[::3]
    texts = [r.text for r in records]
    return texts, [r.department for r in records], [r.id for r in records], fake_embed(texts)


@pytest.fixture(scope="module")
def model(data) -> RoutingClassifier:
    texts, labels, ids, vectors = data
    classifier = RoutingClassifier.train(texts, labels, ids, vectors, metadata={"examples": len(texts)})
    classifier.calibration = ([0.1, 0.5, 0.9], [0.2, 0.6, 0.95])
    classifier.rule_weight = 0.375
    return classifier


def test_numpy_predictors_match_scikit_learn(data) -> None:
    texts, labels, _, vectors = data
    embedding_model, tfidf, tfidf_model = fit_sklearn_models(texts, labels, vectors, 30.0, 30.0)
    ours = CharTfidf.from_sklearn(tfidf)
    assert np.allclose(ours.transform(PROBES).toarray(), tfidf.transform(PROBES).toarray())
    assert np.allclose(ours.transform(texts[:50]).toarray(), tfidf.transform(texts[:50]).toarray())
    probe_vectors = fake_embed(PROBES)
    assert np.allclose(
        LinearModel.from_sklearn(embedding_model).predict_proba(probe_vectors),
        embedding_model.predict_proba(probe_vectors),
    )
    matrix = tfidf.transform(PROBES)
    assert np.allclose(LinearModel.from_sklearn(tfidf_model).predict_proba(matrix), tfidf_model.predict_proba(matrix))


def test_two_classes_use_the_sigmoid_like_scikit_learn(data) -> None:
    texts, labels, _, vectors = data
    pairs = [(t, lab, v) for t, lab, v in zip(texts, labels, vectors, strict=True) if lab in ("市城管局", "市体育局")]
    two_texts, two_labels, two_vectors = [p[0] for p in pairs], [p[1] for p in pairs], np.stack([p[2] for p in pairs])
    embedding_model, tfidf, tfidf_model = fit_sklearn_models(two_texts, two_labels, two_vectors, 30.0, 30.0)
    assert LinearModel.from_sklearn(embedding_model).coef.shape[0] == 1
    probe_vectors = fake_embed(PROBES)
    assert np.allclose(
        LinearModel.from_sklearn(embedding_model).predict_proba(probe_vectors),
        embedding_model.predict_proba(probe_vectors),
    )
    matrix = tfidf.transform(PROBES)
    assert np.allclose(LinearModel.from_sklearn(tfidf_model).predict_proba(matrix), tfidf_model.predict_proba(matrix))


def test_save_load_gives_the_same_probabilities(model: RoutingClassifier, tmp_path: Path) -> None:
    before = model.probability_matrix(PROBES, fake_embed(PROBES))
    model.save(tmp_path / "model.json")
    assert {p.name for p in tmp_path.iterdir()} == {"model.json", "model.npz"}
    loaded = RoutingClassifier.load(tmp_path / "model.json")
    assert loaded.classes == model.classes
    assert np.allclose(loaded.probability_matrix(PROBES, fake_embed(PROBES)), before)
    for text in PROBES[:3]:
        assert loaded.predict(text, fake_embed).neighbours == model.predict(text, fake_embed).neighbours
    assert loaded.calibration == model.calibration and loaded.rule_weight == 0.375
    assert loaded.metadata == {"examples": len(model.train_ids)}
    manifest = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    assert manifest["labels"] == model.classes and manifest["tfidf"]["vocabulary"]
    assert len(manifest["arrays"]["sha256"]) == 64


def test_the_arrays_are_checked_against_the_manifest(model: RoutingClassifier, tmp_path: Path) -> None:
    model.save(tmp_path / "model.json")
    with np.load(tmp_path / "model.npz") as data:
        arrays = {name: data[name] for name in data.files}
    arrays["tfidf_intercept"] = arrays["tfidf_intercept"] + 1.0
    np.savez(tmp_path / "model.npz", **arrays)
    with pytest.raises(ModelFileError, match="SHA-256"):
        RoutingClassifier.load(tmp_path / "model.json")
    (tmp_path / "model.npz").unlink()
    with pytest.raises(ModelFileError, match="missing"):
        RoutingClassifier.load(tmp_path / "model.json")


def test_object_arrays_are_refused(model: RoutingClassifier, tmp_path: Path) -> None:
    model.save(tmp_path / "model.json")
    with np.load(tmp_path / "model.npz") as data:
        arrays = {name: data[name] for name in data.files}
    arrays["train_label_index"] = np.array([{"x": 1}], dtype=object)
    np.savez(tmp_path / "model.npz", **arrays)
    manifest = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    from routing.classifier import _sha256

    manifest["arrays"]["sha256"] = _sha256(tmp_path / "model.npz")
    (tmp_path / "model.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ValueError, match="allow_pickle"):
        RoutingClassifier.load(tmp_path / "model.json")


def test_another_format_is_refused(model: RoutingClassifier, tmp_path: Path) -> None:
    model.save(tmp_path / "model.json")
    manifest = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    (tmp_path / "model.json").write_text(json.dumps({**manifest, "version": 1}), encoding="utf-8")
    with pytest.raises(ModelFileError, match="another format"):
        RoutingClassifier.load(tmp_path / "model.json")


class _Exploit:
    """Unpickling this creates the marker file: what a planted pickle could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return open, (str(self.marker), "w")


def test_old_pickles_are_never_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    marker = tmp_path / "pwned"
    routing_dir = tmp_path / "routing"
    routing_dir.mkdir()
    (routing_dir / "model.pkl").write_bytes(pickle.dumps(_Exploit(marker)))
    with pytest.raises(ModelFileError, match="pickle"):
        RoutingClassifier.load(routing_dir / "model.pkl")
    with pytest.raises(ModelFileError):
        model_files(routing_dir / "model.pkl")
    model_path = paths.model_path(routing_dir)
    router = Router.from_city_dir(CITY_DIR, model_path, tmp_path / "models", model_optional=True)
    assert router.classifier is None and "old pickled routing model" in caplog.text
    assert not marker.exists()


def test_model_files_pair_json_and_npz(tmp_path: Path) -> None:
    expected = (tmp_path / "model.json", tmp_path / "model.npz")
    assert model_files(tmp_path / "model.json") == expected
    assert model_files(tmp_path / "model.npz") == expected
    assert model_files(tmp_path / "model") == expected
