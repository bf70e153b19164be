"""Database work off the action server's event loop, under a deadline.

The action server is one asyncio process: a synchronous database call stuck on a lock used to
freeze it for every conversation (an unrelated caller's fire got a 503 after 60 s). Blocking calls
go to a small thread pool instead, and the action waits at most ``deadline_seconds``: past that it
answers honestly and the call finishes (or fails) in its thread without holding anyone up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache, partial
from typing import TypeVar

from actions import services

T = TypeVar("T")
WORKERS = 8


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="db")


def deadline_seconds() -> float:
    """HOTLINE_DB_DEADLINE_SECONDS (default 5): how long a caller's turn waits for the database."""
    return services.settings().db_deadline_seconds


async def off_loop(function: Callable[..., T], *args: object, **kwargs: object) -> T:
    """``function(*args, **kwargs)`` in the database pool; asyncio.TimeoutError past the deadline."""
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(_pool(), partial(function, *args, **kwargs))
    return await asyncio.wait_for(future, deadline_seconds())
