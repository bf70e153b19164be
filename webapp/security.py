"""ASGI middleware at the edge: request body limit and security headers.

The body limit is enforced before anything parses the body: on the declared Content-Length and,
for chunked uploads, while the body streams in, so a 200 MB request costs the process nothing.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOO_LARGE = {"error": "payload_too_large", "message": "请求内容过大，请精简后再试。"}
# Pages that may be framed by the sites named in HOTLINE_FRAME_ANCESTORS (the chat page for the embed).
FRAMEABLE_PATHS = frozenset({"/"})


class _TooLarge(Exception):
    pass


async def _send_json(send: Send, status: int, body: dict[str, str]) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class BodyLimitMiddleware:
    """413 with the JSON error contract for bodies over ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _send_json(send, 413, TOO_LARGE)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_json(send, 413, TOO_LARGE)


def content_security_policy(path: str, frame_ancestors: str) -> str:
    """Only our own scripts, styles and connections; the API docs page (development) also
    needs its inline bootstrap script."""
    ancestors = frame_ancestors if path in FRAMEABLE_PATHS else "'none'"
    policy = [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {ancestors}",
    ]
    return "; ".join(policy)


class SecurityHeadersMiddleware:
    """CSP, frame options, nosniff, no referrer, and no caching of API answers."""

    def __init__(self, app: ASGIApp, frame_ancestors: str = "'self'") -> None:
        self.app, self.frame_ancestors = app, frame_ancestors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
                headers += self._headers(path)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)

    def _headers(self, path: str) -> list[tuple[bytes, bytes]]:
        headers = {
            "content-security-policy": content_security_policy(path, self.frame_ancestors),
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
            "cross-origin-opener-policy": "same-origin",
            "permissions-policy": "camera=(), geolocation=(), microphone=()",
        }
        if path not in FRAMEABLE_PATHS or self.frame_ancestors == "'self'":
            headers["x-frame-options"] = "SAMEORIGIN" if path in FRAMEABLE_PATHS else "DENY"
        if path.startswith("/api/"):
            headers["cache-control"] = "no-store"
        return [(k.encode(), v.encode()) for k, v in headers.items()]


_OURS = frozenset(
    {
        b"content-security-policy",
        b"x-content-type-options",
        b"referrer-policy",
        b"x-frame-options",
        b"cross-origin-opener-policy",
        b"permissions-policy",
    }
)
