"""Locations of the routing model and the imported history under a var directory.

The var directory is passed in by the composition roots (actions/services.py, the CLI), which
take it from hotline.settings: routing/ does not import the hotline package.
"""

from __future__ import annotations

import os
from pathlib import Path


def routing_dir(var_dir: Path) -> Path:
    """``$HOTLINE_ROUTING_DIR`` or ``<var_dir>/routing``."""
    explicit = os.environ.get("HOTLINE_ROUTING_DIR")
    return Path(explicit).expanduser().resolve() if explicit else Path(var_dir) / "routing"


def default_model_path(var_dir: Path) -> Path:
    """The model's JSON manifest; its arrays are ``model.npz`` beside it (routing.classifier)."""
    return routing_dir(var_dir) / "model.json"


def default_history_path(var_dir: Path) -> Path:
    return routing_dir(var_dir) / "history.jsonl"
