"""Where things live and how the processes find each other.

Every value can be overridden by an environment variable, so the same code
runs on a laptop (SQLite, local index) and in a deployment (PostgreSQL URL,
shared index path) without edits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _path(env: str, default: Path) -> Path:
    value = os.environ.get(env)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    """Resolved configuration of one process."""

    var_dir: Path
    city_dir: Path
    model_dir: Path
    index_dir: Path
    database_url: str
    rasa_url: str
    action_server_port: int
    # Shared secrets: Rasa's HTTP API (`--auth-token`) and the action server's webhook (`?token=`).
    # Empty when not set; `hotline run` and the test fixtures generate them (hotline.processes).
    rasa_token: str = ""
    action_token: str = ""
    # Rasa's SQL tracker store, for redaction and retention of conversations (the file `hotline run`
    # gives Rasa, or HOTLINE_TRACKER_DB_URL when the tracker store is elsewhere).
    tracker_db_url: str = ""
    # How long a caller's personal data is kept after the matter is finished (PIPL: no longer than needed).
    retention_days: int = 365

    @property
    def knowledge_dir(self) -> Path:
        return self.city_dir / "knowledge"


def load_settings() -> Settings:
    """Read settings from the environment (call again after changing it)."""
    var_dir = _path("HOTLINE_VAR_DIR", PROJECT_ROOT / "var")
    return Settings(
        var_dir=var_dir,
        city_dir=_path("HOTLINE_CITY_DIR", PROJECT_ROOT / "cities" / "jiaozuo"),
        model_dir=_path("HOTLINE_MODEL_DIR", var_dir / "models" / "multilingual-e5-small"),
        index_dir=_path("HOTLINE_INDEX_DIR", var_dir / "kb"),
        database_url=os.environ.get("HOTLINE_DATABASE_URL", f"sqlite:///{var_dir / 'hotline.db'}"),
        rasa_url=os.environ.get("HOTLINE_RASA_URL", "http://127.0.0.1:5005"),
        action_server_port=int(os.environ.get("HOTLINE_ACTION_PORT", "5055")),
        rasa_token=os.environ.get("HOTLINE_RASA_TOKEN", ""),
        action_token=os.environ.get("HOTLINE_ACTION_TOKEN", ""),
        tracker_db_url=os.environ.get("HOTLINE_TRACKER_DB_URL")
        or f"sqlite:///{_path('HOTLINE_TRACKER_DB', var_dir / 'rasa_tracker.db')}",
        retention_days=int(os.environ.get("HOTLINE_RETENTION_DAYS") or 365),
    )
