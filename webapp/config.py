"""The web app's own settings, read from the environment once per process.

| variable | default | meaning |
|---|---|---|
| HOTLINE_SESSION_SECRET | random, kept in ``var/session_secret`` (0600) | signs cookies (same on every machine) |
| HOTLINE_API_DOCS | false | serve /docs, /redoc and /openapi.json (development) |
| HOTLINE_MAX_BODY_BYTES | 65536 | largest request body accepted |
| HOTLINE_SECURE_COOKIES | false | mark cookies Secure (set it when served over HTTPS) |
| HOTLINE_FRAME_ANCESTORS | 'self' | who may frame the chat page (CSP frame-ancestors), for the embed |
| HOTLINE_CHAT_RATE | 30/60 | chat messages per client per window seconds |
| HOTLINE_LOOKUP_RATE | 10/60 | public work-order lookups per client per window seconds |
| HOTLINE_LOOKUP_FAILURES | 5/3600 | failed second-factor checks per work order per window seconds |
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hotline.settings import load_settings

SECRET_FILE = "session_secret"


@dataclass(frozen=True)
class Rate:
    limit: int
    window: float


@dataclass(frozen=True)
class WebSettings:
    session_secret: bytes
    api_docs: bool
    max_body_bytes: int
    secure_cookies: bool
    frame_ancestors: str
    chat_rate: Rate
    lookup_rate: Rate
    lookup_failures: Rate


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _rate(name: str, default: str) -> Rate:
    raw = os.environ.get(name, default)
    try:
        limit, window = raw.split("/", 1)
        return Rate(max(1, int(limit)), max(1.0, float(window)))
    except ValueError as error:
        raise ValueError(f"{name} must look like 30/60 (count/seconds), got {raw!r}") from error


def _secret_from_file(path: Path) -> bytes:
    """The machine's session secret, created once (readable by its owner only).

    Written to a temporary file and linked into place, so a process starting at the same moment
    sees either no file or the whole secret, and only one secret ever wins.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip().encode("ascii")


def _session_secret() -> bytes:
    configured = os.environ.get("HOTLINE_SESSION_SECRET", "").strip()
    if configured:
        if len(configured) < 32:
            raise ValueError("HOTLINE_SESSION_SECRET must be at least 32 characters")
        return configured.encode("utf-8")
    return _secret_from_file(load_settings().var_dir / SECRET_FILE)


@lru_cache(maxsize=1)
def web_settings() -> WebSettings:
    return WebSettings(
        session_secret=_session_secret(),
        api_docs=_flag("HOTLINE_API_DOCS"),
        max_body_bytes=int(os.environ.get("HOTLINE_MAX_BODY_BYTES", "65536")),
        secure_cookies=_flag("HOTLINE_SECURE_COOKIES"),
        frame_ancestors=os.environ.get("HOTLINE_FRAME_ANCESTORS", "'self'").strip() or "'self'",
        chat_rate=_rate("HOTLINE_CHAT_RATE", "30/60"),
        lookup_rate=_rate("HOTLINE_LOOKUP_RATE", "10/60"),
        lookup_failures=_rate("HOTLINE_LOOKUP_FAILURES", "5/3600"),
    )
