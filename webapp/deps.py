"""The web app's dependencies: what its routes share, built from the Settings once per app.

Composition root of the web side: :func:`webapp.app.create_app` puts a :class:`WebServices` for its
settings on ``app.state``; routes take what they need as ``Annotated[..., Depends(...)]`` parameters
(the aliases below), so a test replaces any of them with ``app.dependency_overrides``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Request

from routing.directory import CityDirectory
from settings import Settings
from tickets.lifecycle import WorkOrderLifecycle
from tickets.store import TicketStore
from tickets.time_limits import TimeLimits
from webapp.session_secret import session_secret_of

T = TypeVar("T")


class WebServices:
    """The objects of one app, each made on first use from the app's settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._made: dict[str, Any] = {}
        self._lock = threading.Lock()

    def once(self, key: str, make: Callable[[], T]) -> T:
        """The object called ``key``, made by ``make`` the first time (thread-safe)."""
        with self._lock:
            if key not in self._made:
                self._made[key] = make()
            return self._made[key]  # type: ignore[no-any-return]

    def close(self) -> None:
        with self._lock:
            store = self._made.pop("ticket_store", None)
            self._made.clear()
        if store is not None:
            store.close()


def services(request: Request) -> WebServices:
    return request.app.state.services  # type: ignore[no-any-return]


Services = Annotated[WebServices, Depends(services)]


def settings(services: Services) -> Settings:
    return services.settings


AppSettings = Annotated[Settings, Depends(settings)]


def directory(services: Services) -> CityDirectory:
    return services.once("directory", lambda: CityDirectory.load(services.settings.city_dir))


Directory = Annotated[CityDirectory, Depends(directory)]


def ticket_store(services: Services, directory: Directory) -> TicketStore:
    config = services.settings
    return services.once(
        "ticket_store",
        lambda: TicketStore(
            config.database_url, prefix=directory.ticket_prefix, time_limits=TimeLimits.for_city(config.city_dir)
        ),
    )


Store = Annotated[TicketStore, Depends(ticket_store)]


def lifecycle(store: Store) -> WorkOrderLifecycle:
    return WorkOrderLifecycle(store)


Lifecycle = Annotated[WorkOrderLifecycle, Depends(lifecycle)]


def session_secret(services: Services, settings: AppSettings) -> bytes:
    """The key of the conversation cookie (HOTLINE_SESSION_SECRET, else the var directory's file)."""
    return services.once("session_secret", lambda: session_secret_of(settings))


SessionSecret = Annotated[bytes, Depends(session_secret)]


def store_outside_requests(app: FastAPI) -> TicketStore:
    """The routes' ticket store for work outside a request (the timers), overrides included
    (an override of :func:`ticket_store` must then take no parameters)."""
    override = app.dependency_overrides.get(ticket_store)
    if override is not None:
        return override()  # type: ignore[no-any-return]
    shared: WebServices = app.state.services
    return ticket_store(shared, directory(shared))
