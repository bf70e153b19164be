"""Time limits (办理时限) as configuration: deadlines in working days or hours.

Read from the city's ``time_limits.yaml``; no city data in code. Working days skip weekends and
the configured holidays, and count the configured make-up working days (调休).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from tickets.errors import InvalidOperation

log = logging.getLogger(__name__)
DEFAULT_TIER = "一般"


@dataclass(frozen=True)
class Limit:
    """Either ``working_days`` or ``hours``."""

    working_days: int | None = None
    hours: float | None = None

    def __post_init__(self) -> None:
        if (self.working_days is None) == (self.hours is None):
            raise ValueError("a time limit needs exactly one of working_days and hours")
        if (self.working_days or 0) < 0 or (self.hours or 0) < 0:
            raise ValueError("a time limit cannot be negative")

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Limit:
        return cls(
            working_days=int(raw["working_days"]) if "working_days" in raw else None,
            hours=float(raw["hours"]) if "hours" in raw else None,
        )

    def describe(self) -> str:
        return f"{self.working_days}个工作日" if self.working_days is not None else f"{self.hours:g}小时"


@dataclass(frozen=True)
class TimeLimits:
    tiers: dict[str, Limit] = field(default_factory=lambda: {DEFAULT_TIER: Limit(working_days=5)})
    default_tier: str = DEFAULT_TIER
    matters: dict[str, dict[str, Limit]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    tz: Any = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    max_extension_working_days: int = 15

    @classmethod
    def load(cls, path: Path) -> TimeLimits:
        with path.open(encoding="utf-8") as handle:
            raw = yaml.safe_load(handle) or {}
        tiers = {str(name): Limit.parse(value) for name, value in (raw.get("tiers") or {}).items()}
        default_tier = str(raw.get("default_tier", DEFAULT_TIER))
        if default_tier not in tiers:
            raise ValueError(f"{path}: default_tier {default_tier!r} is not among the tiers {sorted(tiers)}")
        matters = {
            str(matter).strip("/"): {str(tier): Limit.parse(value) for tier, value in by_tier.items()}
            for matter, by_tier in (raw.get("matters") or {}).items()
        }
        return cls(
            tiers=tiers,
            default_tier=default_tier,
            matters=matters,
            holidays=frozenset(_as_date(d) for d in raw.get("holidays") or ()),
            workdays=frozenset(_as_date(d) for d in raw.get("workdays") or ()),
            tz=ZoneInfo(str(raw.get("timezone", "Asia/Shanghai"))),
            max_extension_working_days=int(raw.get("max_extension_working_days", 15)),
        )

    @classmethod
    def for_city(cls, city_dir: Path) -> TimeLimits:
        """The city's ``time_limits.yaml``, or the built-in default (5 working days) without one."""
        path = city_dir / "time_limits.yaml"
        return cls.load(path) if path.exists() else cls()

    # ------------------------------------------------------------------ rules
    def tier(self, urgency: str | None) -> str:
        """The configured tier for ``urgency``; unknown or missing → the default tier.

        Never raises: a caller's complaint must not fail because a router used a new tier name.
        """
        if urgency and urgency in self.tiers:
            return urgency
        if urgency:
            log.warning("unknown urgency tier %r, using %r", urgency, self.default_tier)
        return self.default_tier

    def limit(self, urgency: str | None, matter: str | None = None) -> Limit:
        tier = self.tier(urgency)
        if matter:
            parts = matter.strip("/").split("/")
            for end in range(len(parts), 0, -1):
                override = self.matters.get("/".join(parts[:end]), {})
                if tier in override:
                    return override[tier]
        return self.tiers[tier]

    def due_at(self, start: datetime, urgency: str | None = None, matter: str | None = None) -> datetime:
        """The deadline (UTC) of an order created at ``start`` (aware)."""
        limit = self.limit(urgency, matter)
        if limit.hours is not None:
            return start.astimezone(UTC) + timedelta(hours=limit.hours)
        return self.add_working_days(start, limit.working_days or 0)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """End (24:00 local) of the ``days``-th working day after ``start``'s local date.

        0 days: the end of ``start``'s own day if it is a working day, else of the next one.
        """
        day = start.astimezone(self.tz).date()
        if days == 0:
            while not self.is_working_day(day):
                day += timedelta(days=1)
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=self.tz)
        return end.astimezone(UTC)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def check_extension(self, days: int) -> None:
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise InvalidOperation("延期天数须为正整数（工作日）。")
        if days > self.max_extension_working_days:
            raise InvalidOperation(f"单次延期最多{self.max_extension_working_days}个工作日。")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
