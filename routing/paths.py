"""Default locations of the routing model and the imported history (under the var directory)."""

from __future__ import annotations

import os
from pathlib import Path


def routing_dir() -> Path:
    """``$HOTLINE_ROUTING_DIR`` or ``<var>/routing``."""
    from hotline.settings import load_settings

    explicit = os.environ.get("HOTLINE_ROUTING_DIR")
    return Path(explicit).expanduser().resolve() if explicit else load_settings().var_dir / "routing"


def default_model_path() -> Path:
    """The model's JSON manifest; its arrays are ``model.npz`` beside it (routing.classifier)."""
    return routing_dir() / "model.json"


def default_history_path() -> Path:
    return routing_dir() / "history.jsonl"


def default_encoder_dir() -> Path:
    from hotline.settings import load_settings

    return load_settings().model_dir
