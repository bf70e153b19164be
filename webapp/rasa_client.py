"""The web app's side of a turn: one message to a Rasa input channel, its replies back.

The chat page and the voice gateway both go through here, on one connection pool per event loop
(a new client per turn costs a connection setup every time)."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import httpx

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = weakref.WeakKeyDictionary()


def _client() -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = _clients[loop] = httpx.AsyncClient()
    return client


async def send_turn(
    rasa_url: str, channel: str, sender: str, message: str, timeout: float, metadata: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Post `message` to Rasa's `channel` webhook (``rest``, ``voice``) and return its reply dicts."""
    body: dict[str, Any] = {"sender": sender, "message": message}
    if metadata:
        body["metadata"] = metadata
    response = await _client().post(f"{rasa_url}/webhooks/{channel}/webhook", json=body, timeout=timeout)
    response.raise_for_status()
    replies = response.json()
    return [reply for reply in replies if isinstance(reply, dict)] if isinstance(replies, list) else []
