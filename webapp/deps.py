"""Per-process singletons the web app's routes share (cleared by tests through cache_clear)."""

from __future__ import annotations

from functools import lru_cache

from hotline.settings import load_settings
from routing.directory import CityDirectory
from tickets.lifecycle import WorkOrderLifecycle
from tickets.store import TicketStore
from tickets.time_limits import TimeLimits


@lru_cache(maxsize=1)
def directory() -> CityDirectory:
    return CityDirectory.load(load_settings().city_dir)


@lru_cache(maxsize=1)
def ticket_store() -> TicketStore:
    settings = load_settings()
    return TicketStore(
        settings.database_url,
        prefix=directory().ticket_prefix,
        time_limits=TimeLimits.for_city(settings.city_dir),
    )


def lifecycle() -> WorkOrderLifecycle:
    return WorkOrderLifecycle(ticket_store())


def clear() -> None:
    if ticket_store.cache_info().currsize:
        ticket_store().close()
    ticket_store.cache_clear()
    directory.cache_clear()
