"""An on-disk cache of embeddings for evaluation runs (same texts, same model → same vectors).

Evaluations embed the same answers, questions and distractors again and again; on a small CPU
that dominates their run time. The cache is keyed by engine, prompt side and the text's SHA-1 and
lives under var/cache/embeddings/ (never committed). Production indexing does not use it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from knowledge_base.encoder import Encoder


def _key(text: str, is_query: bool) -> bytes:
    return hashlib.sha1(("q:" if is_query else "p:").encode() + text.encode("utf-8")).digest()


class CachedEncoder:
    """Encoder-compatible wrapper that remembers every vector it computed."""

    def __init__(self, encoder: Encoder, directory: Path, save_every: int = 2000) -> None:
        self.encoder = encoder
        self.dim = encoder.dim
        self.name = encoder.name
        self.path = directory / f"{encoder.name.replace(':', '_').replace('/', '_')}.npz"
        self.save_every = save_every
        self._vectors: dict[bytes, np.ndarray] = {}
        self._unsaved = 0
        if self.path.exists():
            with np.load(self.path) as data:
                keys, vectors = data["keys"], data["vectors"]
            self._vectors = {k.tobytes(): v for k, v in zip(keys, vectors, strict=True)}

    def __len__(self) -> int:
        return len(self._vectors)

    def _encode(self, texts: Sequence[str], is_query: bool, progress: bool = False) -> np.ndarray:
        keys = [_key(text, is_query) for text in texts]
        missing = list(dict.fromkeys(i for i, key in enumerate(keys) if key not in self._vectors))
        step = 256
        for start in range(0, len(missing), step):
            chosen = missing[start : start + step]
            batch = [texts[i] for i in chosen]
            vectors = self.encoder.queries(batch) if is_query else self.encoder.passages(batch)
            for i, vector in zip(chosen, vectors, strict=True):
                self._vectors[keys[i]] = vector
            self._unsaved += len(chosen)
            if self._unsaved >= self.save_every:
                self.save()
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, key in enumerate(keys):
            out[i] = self._vectors[key]
        return out

    def queries(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self._encode(list(texts), True, progress)

    def passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self._encode(list(texts), False, progress)

    def save(self) -> None:
        if not self._unsaved:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():  # another run may have added vectors meanwhile: keep them
            with np.load(self.path) as data:
                for key, vector in zip(data["keys"], data["vectors"], strict=True):
                    self._vectors.setdefault(key.tobytes(), vector)
        keys = np.frombuffer(b"".join(self._vectors), dtype=np.uint8).reshape(-1, 20)
        vectors = np.stack(list(self._vectors.values())) if self._vectors else np.zeros((0, self.dim), np.float32)
        temp = self.path.with_name(f"{self.path.stem}.{os.getpid()}.tmp.npz")
        np.savez(temp, keys=keys, vectors=vectors)
        temp.replace(self.path)
        self._unsaved = 0
