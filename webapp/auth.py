"""Bearer-token authentication of departments and agents (hashes in tickets/tokens.py)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from settings import Settings
from tickets.tokens import FILE_NAME, Principal, TokenConfigError, TokenRegistry
from webapp.deps import AppSettings, Services
from webapp.errors import ApiError

logger = logging.getLogger(__name__)
_bearer = HTTPBearer(auto_error=False, description="承办单位或坐席的访问令牌（Bearer）")


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """Changes whenever the file is rewritten (tickets/tokens.py replaces it: a new inode)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


class TokenCache:
    """The registry of the last signature (token files' stamps and the injected variables)."""

    def __init__(self) -> None:
        self._signature: tuple[object, ...] | None = None
        self._loaded: TokenRegistry | TokenConfigError | None = None
        self._lock = threading.Lock()

    def registry(self, settings: Settings) -> TokenRegistry | TokenConfigError:
        paths = [settings.city_dir / FILE_NAME, settings.tokens_file]
        injected = settings.token_variables()
        signature = (tuple(map(str, paths)), tuple(_stamp(p) for p in paths), tuple(sorted(injected.items())))
        with self._lock:
            if self._loaded is None or signature != self._signature:
                try:
                    self._loaded = TokenRegistry.load(settings.city_dir, settings.tokens_file, injected)
                except TokenConfigError as error:
                    logger.error("API tokens refused: %s", error)
                    self._loaded = error
                self._signature = signature
            return self._loaded


def registry(services: Services, settings: AppSettings) -> TokenRegistry:
    """The token registry, re-read when a token file (issue, revocation) or the token variables change.

    Expiry is checked on every request. A token configuration that breaks the rules (a short token,
    a malformed hash) refuses every request until it is fixed.
    """
    loaded = services.once("tokens", TokenCache).registry(settings)
    if isinstance(loaded, TokenConfigError):
        raise ApiError(503, "token_config", "访问令牌配置有误，接口暂不可用，请联系系统管理员。")
    return loaded


def principal(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    tokens: Annotated[TokenRegistry, Depends(registry)],
) -> Principal:
    found = tokens.identify(credentials.credentials if credentials else None)
    if found is None:
        raise ApiError(
            401,
            "unauthorized",
            "缺少或无效的访问令牌，请使用本单位的令牌（Authorization: Bearer …）。",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return found


def department(who: Annotated[Principal, Depends(principal)]) -> str:
    """The calling department's name; agents are refused."""
    if who.kind != "department":
        raise ApiError(403, "forbidden", "此接口仅限承办单位使用。")
    return who.name


def agent(who: Annotated[Principal, Depends(principal)]) -> Principal:
    if who.kind != "agent":
        raise ApiError(403, "forbidden", "此接口仅限热线坐席使用。")
    return who


Department = Annotated[str, Depends(department)]
Agent = Annotated[Principal, Depends(agent)]
