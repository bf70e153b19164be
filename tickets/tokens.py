"""Access tokens of departments and agents, stored as SHA-256 hashes only.

Where tokens come from (all merged):
1. ``<city_dir>/department_tokens.yaml`` — committed; hashes only (may be empty);
2. the local tokens file (``HOTLINE_TOKENS_FILE``, default ``<var_dir>/department_tokens.yaml``) —
   written by ``hotline tickets token NAME [--days N]``, which prints the token once;
3. ``HOTLINE_DEPARTMENT_TOKENS`` — JSON ``{"市城管局": <value>, …}`` and ``HOTLINE_AGENT_TOKENS`` —
   JSON ``{"坐席": <value>}``, for deployments that inject secrets through the environment. A value is
   a token, ``sha256:<64 hex digits>``, or an object ``{"token": <token or sha256:…>,
   "expires_at": "2027-01-01", "issued_at": "2026-06-01T08:00:00+08:00"}`` (both times optional).

This module reads no environment: the composition roots pass the file paths and the two variables'
values (``injected``: variable name → JSON text) from the settings.

Rules, wherever a token comes from:

* a plain token has at least :data:`MIN_TOKEN_LENGTH` characters and a ``sha256:`` value exactly 64
  hex digits; anything else stops the registry from loading (:class:`TokenConfigError`, naming the
  variable or file and the principal, never the token);
* ``expires_at``: issued tokens get one (default :data:`DEFAULT_DAYS` days). An entry without one
  (a plain environment value, a token issued before expiry existed) does not expire, but it can
  be revoked, and a warning is logged. A bare date means 00:00 China time (UTC+8) that day, and a
  time without an offset is China time too;
* revocation (``hotline tickets token NAME --revoke``) marks the file's tokens revoked and appends
  to the local file's ``revocations`` the principal, the time and the hashes of its tokens known then
  (file and environment). A revoked hash is refused for good; any other token of that principal
  issued up to that time — environment entries without ``issued_at`` included — is refused too.
  A principal revoked this way gets access back with a newly issued token (or an environment entry
  whose ``issued_at`` is later than the revocation).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

import yaml

logger = logging.getLogger(__name__)

Kind = Literal["department", "agent"]
FILE_NAME = "department_tokens.yaml"
ENV_VARIABLES: dict[str, Kind] = {"HOTLINE_DEPARTMENT_TOKENS": "department", "HOTLINE_AGENT_TOKENS": "agent"}
MIN_TOKEN_LENGTH = 32
DEFAULT_DAYS = 90
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_ENV_KEYS = {"token", "expires_at", "issued_at"}
_HEADER = (
    "# Access tokens of the department/agent API, as SHA-256 hashes. The tokens themselves are\n"
    "# never stored: `hotline tickets token NAME [--agent] [--days N]` prints a new one once;\n"
    "# `--revoke` adds the principal to `revocations` (applies to environment tokens too).\n"
)


class TokenConfigError(ValueError):
    """A token entry that breaks the rules above (the message never contains the token)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: a department (by its directory name) or an agent."""

    kind: Kind
    name: str


@dataclass(frozen=True)
class TokenEntry:
    """One accepted hash, with where it came from and its validity."""

    sha256: str
    principal: Principal
    source: str  # file path or environment variable, for messages
    issued_at: datetime | None = None
    expires_at: datetime | None = None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at


@dataclass(frozen=True)
class Revocation:
    """Tokens of ``principal`` issued up to ``revoked_at`` are refused, and ``hashes`` always."""

    principal: Principal
    revoked_at: datetime
    hashes: frozenset[str] = frozenset()

    def refuses(self, entry: TokenEntry) -> bool:
        if entry.sha256 in self.hashes:
            return True
        if entry.principal != self.principal:
            return False
        return entry.issued_at is None or entry.issued_at <= self.revoked_at


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def now_utc() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------------------------- parsing
def parse_time(value: Any, where: str) -> datetime | None:
    """An aware datetime from ISO text, a date or a datetime (dates: 00:00 China time); None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise TokenConfigError(f"{where}: not an ISO date or time: {value!r}") from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        raise TokenConfigError(f"{where}: not an ISO date or time")
    return value.replace(tzinfo=CHINA_TZ) if value.tzinfo is None else value


def secret_hash(value: Any, where: str) -> str:
    """The SHA-256 hex of a plain token (≥ MIN_TOKEN_LENGTH characters) or of a ``sha256:<hex>`` value."""
    if not isinstance(value, str):
        raise TokenConfigError(f"{where}: the token must be a string")
    value = value.strip()
    if value.startswith("sha256:"):
        digest: str = value.removeprefix("sha256:").lower()
        if not _HEX64.fullmatch(digest):
            raise TokenConfigError(f"{where}: a sha256: value must be 64 hexadecimal digits")
        return digest
    if len(value) < MIN_TOKEN_LENGTH:
        raise TokenConfigError(
            f"{where}: the token is shorter than {MIN_TOKEN_LENGTH} characters and is refused; "
            "issue a new one with `hotline tickets token NAME`"
        )
    return token_hash(value)


def _env_entry(variable: str, kind: Kind, name: str, value: Any) -> TokenEntry:
    where = f"{variable}: {kind} {name}"
    principal = Principal(kind, name)
    if isinstance(value, dict):
        unknown = set(value) - _ENV_KEYS
        if unknown:
            raise TokenConfigError(f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(_ENV_KEYS)})")
        return TokenEntry(
            secret_hash(value.get("token"), where),
            principal,
            variable,
            issued_at=parse_time(value.get("issued_at"), f"{where} issued_at"),
            expires_at=parse_time(value.get("expires_at"), f"{where} expires_at"),
        )
    return TokenEntry(secret_hash(value, where), principal, variable)


def env_entries(variable: str, kind: Kind, raw: str | None, strict: bool = True) -> list[TokenEntry]:
    """Entries of one token variable's JSON text ``raw``; ``strict=False`` skips bad entries instead of raising."""
    if not raw:
        return []
    try:
        mapping = json.loads(raw)
    except json.JSONDecodeError:
        raise TokenConfigError(f"{variable} is not valid JSON") from None  # the text may hold tokens
    if not isinstance(mapping, dict):
        raise TokenConfigError(f"{variable} must be a JSON object of name → token")
    entries = []
    for name, value in mapping.items():
        try:
            entries.append(_env_entry(variable, kind, str(name), value))
        except TokenConfigError:
            if strict:
                raise
    return entries


def _read_file(path: Path) -> dict[str, list[dict[str, Any]]]:
    if not path.exists():
        return {"tokens": [], "revocations": []}
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    return {"tokens": list(raw.get("tokens") or []), "revocations": list(raw.get("revocations") or [])}


def _principal(item: dict[str, Any], where: str) -> Principal:
    kind = item.get("kind", "department")
    if kind not in ("department", "agent"):
        raise TokenConfigError(f"{where}: unknown token kind {kind!r}")
    if not item.get("name"):
        raise TokenConfigError(f"{where}: entry without a name")
    return Principal(kind, str(item["name"]))


def file_entries(path: Path) -> tuple[list[TokenEntry], list[Revocation]]:
    """The file's tokens not marked revoked, and its revocations."""
    content = _read_file(path)
    entries = []
    for item in content["tokens"]:
        principal = _principal(item, str(path))
        if item.get("revoked"):
            continue
        where = f"{path}: {principal.kind} {principal.name}"
        digest = str(item.get("sha256", "")).lower()
        if not _HEX64.fullmatch(digest):
            raise TokenConfigError(f"{where}: sha256 must be 64 hexadecimal digits")
        entries.append(
            TokenEntry(
                digest,
                principal,
                str(path),
                issued_at=parse_time(item.get("issued_at"), f"{where} issued_at"),
                expires_at=parse_time(item.get("expires_at"), f"{where} expires_at"),
            )
        )
    revocations = []
    for item in content["revocations"]:
        principal = _principal(item, f"{path} revocations")
        where = f"{path}: revocation of {principal.kind} {principal.name}"
        revoked_at = parse_time(item.get("revoked_at"), where)
        if revoked_at is None:
            raise TokenConfigError(f"{where}: revoked_at missing")
        hashes = frozenset(str(h).lower() for h in item.get("sha256") or [])
        revocations.append(Revocation(principal, revoked_at, hashes))
    return entries, revocations


# ---------------------------------------------------------------------------------------- registry
class TokenRegistry:
    """Hash → principal for the tokens neither revoked nor expired."""

    def __init__(self, entries: list[TokenEntry]) -> None:
        self._entries = entries

    @classmethod
    def load(
        cls,
        city_dir: Path,
        tokens_file: Path,
        injected: Mapping[str, str | None] | None = None,
        now: datetime | None = None,
    ) -> TokenRegistry:
        """Read the city's and the local token files and the ``injected`` variables (name → JSON text,
        see :data:`ENV_VARIABLES`); raises :class:`TokenConfigError` on a bad entry."""
        now = now or now_utc()
        entries: list[TokenEntry] = []
        revocations: list[Revocation] = []
        for path in (Path(city_dir) / FILE_NAME, Path(tokens_file)):
            found, revoked = file_entries(path)
            entries += found
            revocations += revoked
        for variable, kind in ENV_VARIABLES.items():
            entries += env_entries(variable, kind, (injected or {}).get(variable))
        kept = [e for e in entries if not e.expired(now) and not any(r.refuses(e) for r in revocations)]
        _warn_without_expiry(kept)
        return cls(kept)

    def identify(self, token: str | None, now: datetime | None = None) -> Principal | None:
        if not token:
            return None
        now = now or now_utc()
        digest = token_hash(token)
        found: Principal | None = None
        for entry in self._entries:  # compare all, in constant time each
            if hmac.compare_digest(entry.sha256, digest) and not entry.expired(now):
                found = entry.principal
        return found

    def __len__(self) -> int:
        return len(self._entries)


def _warn_without_expiry(entries: Iterable[TokenEntry]) -> None:
    for entry in entries:
        if entry.expires_at is None:
            logger.warning(
                "token of %s %s from %s has no expires_at: valid until revoked",
                entry.principal.kind,
                entry.principal.name,
                entry.source,
            )


# ---------------------------------------------------------------------------------------- changes
def issue_token(
    path: Path, name: str, kind: Kind = "department", now: datetime | None = None, days: int = DEFAULT_DAYS
) -> str:
    """Create a token for ``name`` valid ``days`` days, append its hash to ``path``; return the token (shown once)."""
    if days < 1:
        raise ValueError("a token must be valid for at least one day")
    now = now or now_utc()
    token = secrets.token_urlsafe(32)  # 43 characters
    content = _read_file(path)
    content["tokens"].append(
        {
            "kind": kind,
            "name": name,
            "sha256": token_hash(token),
            "issued_at": now.isoformat(),
            "expires_at": (now + timedelta(days=days)).isoformat(timespec="seconds"),
        }
    )
    _write_file(path, content)
    return token


def revoke_tokens(
    path: Path,
    name: str,
    kind: Kind = "department",
    now: datetime | None = None,
    known_hashes: Iterable[str] = (),
) -> int:
    """Revoke every token of ``name`` issued until now, wherever it comes from.

    Marks the file's tokens revoked and records a revocation (principal, time, the hashes of its file
    tokens and ``known_hashes``, e.g. from the environment). Returns how many file tokens were marked.
    """
    now = now or now_utc()
    content = _read_file(path)
    count = 0
    hashes = set(known_hashes)
    for item in content["tokens"]:
        if item.get("name") == name and item.get("kind", "department") == kind:
            hashes.add(str(item.get("sha256", "")).lower())
            if not item.get("revoked"):
                item["revoked"] = True
                item["revoked_at"] = now.isoformat()
                count += 1
    content["revocations"].append(
        {
            "kind": kind,
            "name": name,
            "revoked_at": now.isoformat(),
            "sha256": sorted(h for h in hashes if h),
        }
    )
    _write_file(path, content)
    return count


def environment_hashes(principal: Principal, injected: Mapping[str, str | None]) -> list[str]:
    """Hashes of the principal's valid-looking injected tokens (``injected`` as in
    :meth:`TokenRegistry.load`; bad entries skipped)."""
    entries = [
        e
        for variable, kind in ENV_VARIABLES.items()
        for e in env_entries(variable, kind, injected.get(variable), strict=False)
    ]
    return [e.sha256 for e in entries if e.principal == principal]


def _write_file(path: Path, content: dict[str, list[dict[str, Any]]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    doc: dict[str, Any] = {"tokens": content["tokens"]}
    if content["revocations"]:
        doc["revocations"] = content["revocations"]
    body = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    temporary.write_text(_HEADER + body, encoding="utf-8")
    os.chmod(temporary, 0o600)
    temporary.replace(path)
