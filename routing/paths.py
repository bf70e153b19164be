"""Files of the routing model and the imported history inside the routing directory.

The directory (``HOTLINE_ROUTING_DIR``, default ``<var>/routing``) is passed in by the composition
roots (actions/services.py, the CLI), which take it from the settings: routing/ reads no environment.
"""

from __future__ import annotations

from pathlib import Path

MODEL_FILE = "model.json"
HISTORY_FILE = "history.jsonl"


def model_path(routing_dir: Path) -> Path:
    """The model's JSON manifest; its arrays are ``model.npz`` beside it (routing.classifier)."""
    return Path(routing_dir) / MODEL_FILE


def history_path(routing_dir: Path) -> Path:
    """Past work orders imported by ``hotline tickets import-history``."""
    return Path(routing_dir) / HISTORY_FILE


def embedding_cache_path(routing_dir: Path, engine: str) -> Path:
    """Embeddings of the training texts, one file per encoder engine (engines differ slightly)."""
    return Path(routing_dir) / f"embeddings.{engine}.npz"
