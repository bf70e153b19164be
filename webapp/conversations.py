"""Conversation ids issued by the server and bound to the browser by a signed HttpOnly cookie.

The browser never chooses its conversation id: knowing someone else's id (from a log, a screen or
a work order) must not let a stranger join that conversation. The cookie carries the id and an
HMAC of it under the web app's secret; a cookie that fails the check starts a new conversation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

COOKIE_NAME = "hotline_conversation"
ID_PREFIX = "web-"
COOKIE_MAX_AGE_SECONDS = 7 * 24 * 3600


def new_conversation_id() -> str:
    """An unguessable conversation id (128 random bits)."""
    return ID_PREFIX + secrets.token_urlsafe(16)


def _mac(conversation_id: str, secret: bytes) -> str:
    digest = hmac.new(secret, conversation_id.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def sign(conversation_id: str, secret: bytes) -> str:
    """The cookie value for a conversation id."""
    return f"{conversation_id}.{_mac(conversation_id, secret)}"


def verify(token: str | None, secret: bytes) -> str | None:
    """The conversation id a cookie value proves, or None when it is missing or forged."""
    if not token or len(token) > 200 or "." not in token:
        return None
    conversation_id, mac = token.rsplit(".", 1)
    if not conversation_id.startswith(ID_PREFIX):
        return None
    return conversation_id if hmac.compare_digest(mac, _mac(conversation_id, secret)) else None
