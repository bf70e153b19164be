"""One e5 encoder per process for routing (loaded on first use, shared by every Router)."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Sequence

import numpy as np

_lock = threading.Lock()
_encoders: dict[Path, object] = {}


def shared_encoder(model_dir: Path) -> object:
    """The :class:`knowledge_base.encoder.Encoder` of ``model_dir``, created once per process."""
    key = Path(model_dir).resolve()
    with _lock:
        if key not in _encoders:
            from knowledge_base.encoder import Encoder

            _encoders[key] = Encoder(key)
        return _encoders[key]


class LazyEmbedder:
    """Callable texts → e5 query vectors; loads the model on the first call, not at construction."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = Path(model_dir)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        return shared_encoder(self.model_dir).queries(list(texts))  # type: ignore[attr-defined]

    def available(self) -> bool:
        return (self.model_dir / "modules.json").exists()
