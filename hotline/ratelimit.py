"""A sliding-window rate limiter kept in the web app's memory.

One web-app process per machine is the default layout; behind several processes each keeps its own
window, so the effective limit is the per-process limit times the number of processes.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

MAX_KEYS = 100_000


class SlidingWindowLimiter:
    """At most ``limit`` events per ``window`` seconds for each key."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Record one event; 0 when allowed, else the seconds until the next one would be."""
        now = self._clock()
        with self._lock:
            hits = self._recent(key, now)
            if len(hits) >= self.limit:
                return max(0.001, hits[0] + self.window - now)
            hits.append(now)
            return 0.0

    def blocked_for(self, key: str) -> float:
        """Seconds until ``key`` may act again, without recording anything."""
        now = self._clock()
        with self._lock:
            hits = self._recent(key, now)
            return max(0.001, hits[0] + self.window - now) if len(hits) >= self.limit else 0.0

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= MAX_KEYS:
                self._forget_idle(now)
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def _forget_idle(self, now: float) -> None:
        idle = [key for key, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]
        for key in idle:
            del self._hits[key]
        if len(self._hits) >= MAX_KEYS:  # all busy: drop the oldest half rather than grow without bound
            for key in list(self._hits)[: MAX_KEYS // 2]:
                del self._hits[key]
