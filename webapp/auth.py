"""Bearer-token authentication of departments and agents (hashes in tickets/tokens.py)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hotline.settings import load_settings
from tickets.tokens import (
    ENV_VARIABLES,
    FILE_NAME,
    Principal,
    TokenConfigError,
    TokenRegistry,
    local_tokens_file,
)
from webapp.errors import ApiError

logger = logging.getLogger(__name__)
_bearer = HTTPBearer(auto_error=False, description="承办单位或坐席的访问令牌（Bearer）")
_cache: dict[str, object] = {}


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """Changes whenever the file is rewritten (tickets/tokens.py replaces it: a new inode)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _signature(paths: list[Path]) -> tuple:
    env = tuple(os.environ.get(variable) for variable in ENV_VARIABLES)
    return (tuple(map(str, paths)), tuple(_stamp(p) for p in paths), env)


def registry() -> TokenRegistry:
    """The token registry, re-read when a token file (issue, revocation) or the token variables change.

    Expiry is checked on every request. A token configuration that breaks the rules (a short token,
    a malformed hash) refuses every request until it is fixed.
    """
    settings = load_settings()
    paths = [settings.city_dir / FILE_NAME, local_tokens_file(settings.var_dir)]
    signature = _signature(paths)
    if _cache.get("signature") != signature:
        try:
            _cache["registry"] = TokenRegistry.load(settings.city_dir, settings.var_dir)
        except TokenConfigError as error:
            logger.error("API tokens refused: %s", error)
            _cache["registry"] = error
        _cache["signature"] = signature
    loaded = _cache["registry"]
    if isinstance(loaded, TokenConfigError):
        raise ApiError(503, "token_config", "访问令牌配置有误，接口暂不可用，请联系系统管理员。")
    return loaded  # type: ignore[return-value]


def principal(credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
    found = registry().identify(credentials.credentials if credentials else None)
    if found is None:
        raise ApiError(
            401,
            "unauthorized",
            "缺少或无效的访问令牌，请使用本单位的令牌（Authorization: Bearer …）。",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return found


def department(who: Principal = Depends(principal)) -> str:
    """The calling department's name; agents are refused."""
    if who.kind != "department":
        raise ApiError(403, "forbidden", "此接口仅限承办单位使用。")
    return who.name


def agent(who: Principal = Depends(principal)) -> Principal:
    if who.kind != "agent":
        raise ApiError(403, "forbidden", "此接口仅限热线坐席使用。")
    return who
