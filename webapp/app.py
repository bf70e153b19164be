"""FastAPI app: the chat page, a relay to Rasa's REST channel, and work-order lookup.

The browser only talks to this app; the app talks to Rasa, so Rasa's port need
not be exposed and no CORS setup is needed.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path

import httpx
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from hotline.privacy import install_log_masking
from hotline.settings import load_settings
from webapp import deps, errors, sweeper
from webapp.department_api import agent_router, department_router

STATIC = Path(__file__).parent / "static"


@contextlib.asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Runs the overdue sweep on a timer while the app serves (HOTLINE_SWEEP_INTERVAL_SECONDS)."""
    interval = sweeper.interval_seconds()
    task = asyncio.create_task(sweeper.run_forever(interval)) if interval > 0 else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


app = FastAPI(
    title="12345 热线智能助手",
    version="0.2.0",
    description="聊天接口、工单查询，以及承办单位和热线坐席的工单办理接口（Bearer 令牌认证）。",
    lifespan=lifespan,
)
errors.install(app)
app.include_router(department_router)
app.include_router(agent_router)
install_log_masking()


class ChatIn(BaseModel):
    sender: str = Field(min_length=1, max_length=64, description="Conversation id chosen by the widget")
    message: str = Field(min_length=1, max_length=2000)


class ChatOut(BaseModel):
    replies: list[dict]


_store = deps.ticket_store  # kept under its old name: tests clear it with _store.cache_clear()


@app.get("/", include_in_schema=False)
def chat_page() -> FileResponse:
    return FileResponse(STATIC / "chat.html", media_type="text/html; charset=utf-8")


@app.get("/healthz")
def health() -> dict:
    return {"status": "ok"}


@app.post("/api/chat", response_model=ChatOut)
async def chat(body: ChatIn) -> ChatOut:
    """Send one message to the assistant and return its replies."""
    url = f"{load_settings().rasa_url}/webhooks/rest/webhook"
    try:
        async with httpx.AsyncClient(timeout=60) as client:
            response = await client.post(url, json={"sender": body.sender, "message": body.message})
            response.raise_for_status()
    except httpx.HTTPError as error:
        raise HTTPException(503, detail="助手暂时无法响应，请稍后再试，或直接拨打12345。") from error
    return ChatOut(replies=response.json())


@app.get("/api/tickets/{number}")
def ticket(number: str) -> dict:
    """A work order with its events; 404 with a Chinese message when unknown."""
    order = _store().get(number)
    if order is None:
        raise HTTPException(404, detail=f"没有查到工单{number}，请核对工单号。")
    return {**asdict(order), "events": [asdict(e) for e in _store().events(order.number)]}
