"""Deadlines from cities/<city>/time_limits.yaml: working days, holidays, make-up days, hours."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tickets.errors import InvalidOperation
from tickets.time_limits import Limit, TimeLimits


def bj(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour - 8, tzinfo=UTC)


def shown(limits: TimeLimits, moment: datetime) -> str:
    return moment.astimezone(limits.tz).strftime("%Y-%m-%d %H:%M")


def test_tiers_match_the_router(time_limits: TimeLimits, city_dir: Path) -> None:
    import yaml

    matters = yaml.safe_load((city_dir / "matters.yaml").read_text(encoding="utf-8"))
    assert set(matters["tiers"]) <= set(time_limits.tiers)
    assert time_limits.default_tier == matters["default_tier"]


@pytest.mark.parametrize(
    "created, expected",
    [
        (bj(2026, 11, 20), "2026-11-28 00:00"),  # Friday: Mon 23 … Fri 27
        (bj(2026, 11, 22), "2026-11-28 00:00"),  # Sunday
        (bj(2026, 9, 30), "2026-10-14 00:00"),  # National Day week skipped, Sat 10 Oct is a make-up workday
        (bj(2026, 2, 13), "2026-02-28 00:00"),  # Sat 14 Feb is a make-up workday, 15–23 Feb holidays
    ],
)
def test_five_working_days(time_limits: TimeLimits, created: datetime, expected: str) -> None:
    assert shown(time_limits, time_limits.due_at(created)) == expected


def test_hours_tiers_ignore_weekends(time_limits: TimeLimits) -> None:
    assert shown(time_limits, time_limits.due_at(bj(2026, 11, 21), "紧急")) == "2026-11-22 10:00"
    assert shown(time_limits, time_limits.due_at(bj(2026, 11, 21), "特急")) == "2026-11-21 12:00"


def test_matter_overrides_by_longest_prefix(time_limits: TimeLimits) -> None:
    assert time_limits.limit("一般", "城乡建设/房地产/交房与办证") == Limit(working_days=10)
    assert time_limits.limit("一般", "城乡建设/房地产/交房与办证/更细") == Limit(working_days=10)
    assert time_limits.limit("特急", "城乡建设/房地产/交房与办证") == Limit(hours=2)  # no override for this tier
    assert time_limits.limit(None, "城乡建设/物业管理/电梯故障") == Limit(working_days=5)


def test_working_days_and_extensions(time_limits: TimeLimits) -> None:
    assert time_limits.is_working_day(date(2026, 10, 10)) and time_limits.is_working_day(date(2026, 10, 8))
    assert not time_limits.is_working_day(date(2026, 10, 1)) and not time_limits.is_working_day(date(2026, 11, 22))
    time_limits.check_extension(time_limits.max_extension_working_days)
    for bad in (0, time_limits.max_extension_working_days + 1, True, 1.5):
        with pytest.raises(InvalidOperation):
            time_limits.check_extension(bad)  # type: ignore[arg-type]


def test_defaults_without_a_file(tmp_path: Path) -> None:
    default = TimeLimits.for_city(tmp_path)
    assert default.limit(None) == Limit(working_days=5)
    with pytest.raises(ValueError):
        Limit(working_days=1, hours=2)
