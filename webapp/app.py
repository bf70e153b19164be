"""FastAPI app: the chat page, the chat relay, public work-order lookup and the staff APIs.

The browser only talks to this app; the app talks to Rasa, so Rasa's port need not be exposed and
no CORS setup is needed. Composition root: :func:`create_app` takes the settings (default: this
process's environment, checked at start-up) and everything the routes share comes from them
through webapp/deps.py. Served with ``uvicorn --factory webapp.app:create_app``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from hotline.privacy import install_log_masking
from settings import Settings, load_settings
from webapp import (
    agent_chat,
    agent_privacy_api,
    agent_suggest,
    chat,
    chat_history,
    deps,
    errors,
    public_tickets,
    retention_job,
    sweeper,
    ticket_page,
)
from webapp.department_api import agent_router, department_router
from webapp.security import BodyLimitMiddleware, SecurityHeadersMiddleware
from webapp.voice import router as voice_router

STATIC = Path(__file__).parent / "static"


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Runs the overdue sweep and the retention job on timers while the app serves."""
    install_log_masking()  # uvicorn configures its handlers before the app starts
    settings: Settings = app.state.services.settings
    store = partial(deps.store_outside_requests, app)
    timers = [
        (settings.sweep_interval_seconds, partial(sweeper.run_forever, store=store)),
        (settings.retention_interval_seconds, partial(retention_job.run_forever, store=store, settings=settings)),
    ]
    tasks = [asyncio.create_task(run(interval)) for interval, run in timers if interval > 0]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        app.state.services.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    application = FastAPI(
        title="12345 热线智能助手",
        version="0.3.0",
        description="聊天接口、工单进度查询，以及承办单位和热线坐席的工单办理接口（Bearer 令牌认证）。",
        lifespan=lifespan,
        # The interactive pages load scripts from a CDN: never served; the schema only on request.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.api_docs else None,
    )
    application.state.services = deps.WebServices(settings)
    errors.install(application)
    application.include_router(chat.router)
    application.include_router(chat_history.router)
    application.include_router(ticket_page.router)
    application.include_router(public_tickets.router)
    application.include_router(department_router)
    application.include_router(agent_router)
    application.include_router(agent_privacy_api.router)
    application.include_router(agent_suggest.router)
    application.include_router(agent_chat.router)
    application.include_router(voice_router)  # the voice line's carrier webhooks (telephony/)
    application.mount("/static", StaticFiles(directory=STATIC), name="static")

    @application.get("/", include_in_schema=False)
    def chat_page() -> FileResponse:
        return FileResponse(STATIC / "chat.html", media_type="text/html; charset=utf-8")

    @application.get("/healthz", include_in_schema=False)
    def health() -> dict:
        return {"status": "ok"}

    application.add_middleware(SecurityHeadersMiddleware, frame_ancestors=settings.frame_ancestors)
    application.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    return application
