"""The key that signs the chat's conversation cookie.

``HOTLINE_SESSION_SECRET`` when set (the same on every web-app machine; the settings require 32+
characters), else a random secret created once in the var directory, readable by its owner only.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from settings import Settings


def session_secret_of(settings: Settings) -> bytes:
    if settings.session_secret:
        return settings.session_secret.strip().encode("utf-8")
    return secret_from_file(settings.session_secret_file)


def secret_from_file(path: Path) -> bytes:
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
