"""Access tokens of departments and agents, stored as SHA-256 hashes only.

Where hashes come from (all merged):
1. ``<city_dir>/department_tokens.yaml`` — committed; hashes only (may be empty);
2. ``HOTLINE_TOKENS_FILE`` or ``<var_dir>/department_tokens.yaml`` — written by
   ``hotline tickets token NAME``, which prints the token once;
3. ``HOTLINE_DEPARTMENT_TOKENS`` — JSON ``{"市城管局": "<token>", …}`` and ``HOTLINE_AGENT_TOKENS`` —
   JSON ``{"坐席": "<token>"}``, for deployments that inject secrets through the environment.
   A value may be a plain token or ``sha256:<hex>``.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import yaml

Kind = Literal["department", "agent"]
FILE_NAME = "department_tokens.yaml"
_HEADER = (
    "# Access tokens of the department/agent API, as SHA-256 hashes. The tokens themselves are\n"
    "# never stored: `hotline tickets token NAME [--agent]` prints a new one once.\n"
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a department (by its directory name) or an agent."""

    kind: Kind
    name: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _entry_hash(value: str) -> str:
    value = value.strip()
    return value.removeprefix("sha256:").lower() if value.startswith("sha256:") else token_hash(value)


def local_tokens_file(var_dir: Path) -> Path:
    override = os.environ.get("HOTLINE_TOKENS_FILE")
    return Path(override).expanduser().resolve() if override else var_dir / FILE_NAME


def _read_file(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    return list(raw.get("tokens") or [])


def _env_entries(variable: str, kind: Kind) -> list[tuple[str, Principal]]:
    raw = os.environ.get(variable)
    if not raw:
        return []
    mapping = json.loads(raw)
    if not isinstance(mapping, dict):
        raise ValueError(f"{variable} must be a JSON object of name → token")
    return [(_entry_hash(str(token)), Principal(kind, str(name))) for name, token in mapping.items()]


class TokenRegistry:
    """Hash → principal, from the files and environment above."""

    def __init__(self, entries: list[tuple[str, Principal]]) -> None:
        self._entries = entries

    @classmethod
    def load(cls, city_dir: Path, var_dir: Path) -> TokenRegistry:
        entries: list[tuple[str, Principal]] = []
        for path in (city_dir / FILE_NAME, local_tokens_file(var_dir)):
            for item in _read_file(path):
                if item.get("revoked"):
                    continue
                kind = item.get("kind", "department")
                if kind not in ("department", "agent"):
                    raise ValueError(f"{path}: unknown token kind {kind!r}")
                entries.append((str(item["sha256"]).lower(), Principal(kind, str(item["name"]))))
        entries += _env_entries("HOTLINE_DEPARTMENT_TOKENS", "department")
        entries += _env_entries("HOTLINE_AGENT_TOKENS", "agent")
        return cls(entries)

    def identify(self, token: str | None) -> Principal | None:
        if not token:
            return None
        digest = token_hash(token)
        found: Principal | None = None
        for stored, principal in self._entries:  # compare all, in constant time each
            if hmac.compare_digest(stored, digest):
                found = principal
        return found

    def __len__(self) -> int:
        return len(self._entries)


def issue_token(path: Path, name: str, kind: Kind = "department", now: datetime | None = None) -> str:
    """Create a token for ``name``, append its hash to ``path`` and return the token (shown once)."""
    token = secrets.token_urlsafe(32)
    items = _read_file(path)
    items.append({
        "kind": kind,
        "name": name,
        "sha256": token_hash(token),
        "issued_at": (now or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
    })
    _write_file(path, items)
    return token


def revoke_tokens(path: Path, name: str, kind: Kind = "department") -> int:
    """Mark every token of ``name`` in ``path`` revoked; returns how many."""
    items = _read_file(path)
    count = 0
    for item in items:
        if item.get("name") == name and item.get("kind", "department") == kind and not item.get("revoked"):
            item["revoked"] = True
            count += 1
    _write_file(path, items)
    return count


def _write_file(path: Path, items: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    body = yaml.safe_dump({"tokens": items}, allow_unicode=True, sort_keys=False)
    temporary.write_text(_HEADER + body, encoding="utf-8")
    os.chmod(temporary, 0o600)
    temporary.replace(path)
