"""The ONNX Runtime engines agree with the full-precision sentence-transformers reference."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge_base.embedding_model import VERIFY_TEXTS
from settings import load_settings

pytest.importorskip("onnxruntime")

SENTENCES = [
    "社保卡丢了怎么补办？",
    "我想咨询一下住房公积金提取需要哪些材料",
    "山阳区焦东路夜间施工噪音扰民，已经持续一周了！！",
    "办理营业执照需要携带身份证原件、经营场所证明和公司章程，可在市政务服务中心一楼综合窗口办理。",
    *VERIFY_TEXTS,
]


@pytest.fixture(scope="module")
def model_dir():
    from knowledge_base.onnx_engine import PRECISIONS, onnx_path

    directory = load_settings().model_dir
    if not (directory / "modules.json").exists():
        pytest.skip(f"embedding model not built in {directory} (`make setup`)")
    if not all(onnx_path(directory, precision).exists() for precision in PRECISIONS):
        pytest.importorskip("onnx", reason="exporting to ONNX needs the onnx package")
    return directory


@pytest.fixture(scope="module")
def reference(model_dir):
    from knowledge_base.encoder import Encoder

    encoder = Encoder(model_dir, "sentence-transformers")
    return {True: encoder.queries(SENTENCES), False: encoder.passages(SENTENCES)}


@pytest.mark.parametrize("precision", ["int8", "fp32"])
def test_onnx_vectors_agree_with_the_reference_engine(model_dir, reference, precision: str) -> None:
    from knowledge_base.onnx_engine import OnnxEngine

    engine = OnnxEngine(model_dir, precision, max_seq_length=512)
    assert engine.dim == reference[True].shape[1]
    for is_query in (True, False):
        vectors = engine.encode(SENTENCES, is_query, False)
        assert vectors.dtype == np.float32 and vectors.shape == reference[is_query].shape
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
        cosine = (vectors * reference[is_query]).sum(axis=1)
        assert cosine.min() >= (0.99 if precision == "int8" else 0.9999), cosine


def test_padding_and_batching_do_not_change_a_vector(model_dir) -> None:
    from knowledge_base.onnx_engine import OnnxEngine

    engine = OnnxEngine(model_dir, "fp32", batch_size=4)
    alone = np.vstack([engine.encode([text], False, False) for text in SENTENCES])
    together = engine.encode(SENTENCES, False, False)
    assert (alone * together).sum(axis=1).min() >= 0.99999
    assert engine.encode([], True, False).shape == (0, engine.dim)


def test_max_seq_length_truncates_the_tokens(model_dir) -> None:
    from knowledge_base.onnx_engine import OnnxEngine

    engine = OnnxEngine(model_dir, "int8", max_seq_length=16)
    assert max(len(ids) for ids in engine.token_ids(SENTENCES, False)) == 16
    assert engine.encode(SENTENCES, False, False).shape == (len(SENTENCES), engine.dim)
