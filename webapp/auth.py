"""Bearer-token authentication of departments and agents (hashes in tickets/tokens.py)."""
from __future__ import annotations

import os
from pathlib import Path

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hotline.settings import load_settings
from tickets.tokens import FILE_NAME, Principal, TokenRegistry, local_tokens_file
from webapp.errors import ApiError

_bearer = HTTPBearer(auto_error=False, description="承办单位或坐席的访问令牌（Bearer）")
_cache: dict[str, object] = {}


def _signature(paths: list[Path]) -> tuple:
    stamps = tuple(p.stat().st_mtime_ns if p.exists() else None for p in paths)
    env = (os.environ.get("HOTLINE_DEPARTMENT_TOKENS"), os.environ.get("HOTLINE_AGENT_TOKENS"))
    return (tuple(map(str, paths)), stamps, env)


def registry() -> TokenRegistry:
    """The token registry, re-read when a token file or the token variables change."""
    settings = load_settings()
    paths = [settings.city_dir / FILE_NAME, local_tokens_file(settings.var_dir)]
    signature = _signature(paths)
    if _cache.get("signature") != signature:
        _cache["registry"] = TokenRegistry.load(settings.city_dir, settings.var_dir)
        _cache["signature"] = signature
    return _cache["registry"]  # type: ignore[return-value]


def principal(credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
    found = registry().identify(credentials.credentials if credentials else None)
    if found is None:
        raise ApiError(401, "unauthorized", "缺少或无效的访问令牌，请使用本单位的令牌（Authorization: Bearer …）。",
                       headers={"WWW-Authenticate": "Bearer"})
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
