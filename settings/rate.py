"""A rate limit written ``count/seconds`` (``30/60``: thirty in a minute)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Rate:
    limit: int
    window: float

    def __str__(self) -> str:
        return f"{self.limit}/{self.window:g}"


def parse_rate(value: Any) -> Any:
    """``"30/60"`` → ``Rate(30, 60.0)``; a Rate passes through. Both parts must be at least 1."""
    if isinstance(value, Rate):
        return value
    if not isinstance(value, str):
        raise ValueError("must look like 30/60 (count/seconds)")
    count, _, seconds = value.strip().partition("/")
    try:
        rate = Rate(int(count), float(seconds))
    except ValueError:
        raise ValueError("must look like 30/60 (count/seconds)") from None
    if rate.limit < 1 or rate.window < 1:
        raise ValueError("count and seconds must both be at least 1 (e.g. 30/60)")
    return rate
