"""POST /api/chat: the browser's only way to the assistant.

The conversation id is the server's (webapp/conversations.py), never the browser's. Replies are
passed on as the channel should see them: the hand-off summary an agent needs (address, phone,
recent messages) stays on the agents' side. An emergency is answered even when Rasa or the action
server cannot answer in time: the advice comes from the routing rules in this process.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from hotline.ratelimit import SlidingWindowLimiter
from routing.directory import CityDirectory
from routing.emergency import detect_emergency, emergency_message
from webapp import conversations
from webapp.deps import AppSettings, Directory, Services, SessionSecret
from webapp.errors import ApiError, ErrorOut
from webapp.text_input import CleanText

log = logging.getLogger(__name__)
router = APIRouter(tags=["聊天"])

RASA_TIMEOUT_SECONDS = 60.0
EMERGENCY_TIMEOUT_SECONDS = 3.0
UNAVAILABLE = "助手暂时无法响应，请稍后再试，或直接拨打12345。"
# Rasa answers 200 with no reply when a custom action failed (the action server died mid-turn).
NO_REPLY = "抱歉，刚才没能处理好您的消息，请再说一遍；着急的话可以直接拨打12345。"
# Keys of a reply Rasa's REST channel may carry that the widget can render.
REPLY_KEYS = ("text", "buttons", "image", "custom")
# One office or carrier NAT may carry many callers: a client address gets several conversations' worth.
CLIENT_SHARE = 5


class ChatIn(BaseModel):
    message: CleanText = Field(max_length=2000, description="来电人输入的一句话")


class ChatOut(BaseModel):
    replies: list[dict]


ChatLimiters = tuple[SlidingWindowLimiter, SlidingWindowLimiter]


def limiters(services: Services) -> ChatLimiters:
    """(per conversation, per client address), one pair per app (HOTLINE_CHAT_RATE)."""
    rate = services.settings.chat_rate

    def make() -> ChatLimiters:
        per_client = SlidingWindowLimiter(rate.limit * CLIENT_SHARE, rate.window)
        return SlidingWindowLimiter(rate.limit, rate.window), per_client

    return services.once("chat_limiters", make)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def conversation_id(request: Request, response: Response, settings: AppSettings, secret: SessionSecret) -> str:
    """The caller's conversation: from the signed cookie, or a new one set on the response."""
    found = conversations.verify(request.cookies.get(conversations.COOKIE_NAME), secret)
    if found is None:
        found = conversations.new_conversation_id()
        response.set_cookie(
            conversations.COOKIE_NAME,
            conversations.sign(found, secret),
            max_age=conversations.COOKIE_MAX_AGE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
            path="/api/",
        )
    return found


def channel_reply(reply: dict[str, Any]) -> dict[str, Any] | None:
    """What of one Rasa reply the caller's channel may see."""
    shown = {key: reply[key] for key in REPLY_KEYS if reply.get(key) not in (None, "", [], {})}
    custom = shown.get("custom")
    if isinstance(custom, dict) and "handoff" in custom:
        # The summary carries the caller's address and phone: it is for the agents' queue only.
        shown["custom"] = {**{k: v for k, v in custom.items() if k != "handoff"}, "handoff": {"queued": True}}
    return shown or None


def emergency_replies(message: str, directory: CityDirectory) -> list[dict[str, Any]] | None:
    advice = detect_emergency(message, directory.emergency_numbers)
    if advice is None:
        return None
    text = emergency_message(advice.number, advice.advice)
    return [{"text": text, "custom": {"emergency": {"number": advice.number, "transfer": advice.number}}}]


async def relay(rasa_url: str, sender: str, message: str, timeout: float) -> list[dict[str, Any]]:
    url = f"{rasa_url}/webhooks/rest/webhook"
    async with httpx.AsyncClient(timeout=timeout) as client:
        response = await client.post(url, json={"sender": sender, "message": message})
        response.raise_for_status()
        body = response.json()
    return [reply for reply in body if isinstance(reply, dict)] if isinstance(body, list) else []


@router.post(
    "/api/chat",
    response_model=ChatOut,
    responses={413: {"model": ErrorOut}, 422: {"model": ErrorOut}, 429: {"model": ErrorOut}, 503: {"model": ErrorOut}},
)
async def chat(
    body: ChatIn,
    request: Request,
    sender: Annotated[str, Depends(conversation_id)],
    rates: Annotated[ChatLimiters, Depends(limiters)],
    directory: Directory,
    settings: AppSettings,
) -> ChatOut:
    """发送一句话给智能助手，返回助手的回复。会话由服务器分配，保存在 HttpOnly Cookie 中。"""
    per_conversation, per_client = rates
    wait = per_conversation.hit(sender) or per_client.hit(client_address(request))
    if wait:
        raise ApiError(
            429, "too_many_requests", "您发送得太快了，请稍等片刻再试。", headers={"Retry-After": str(int(wait) + 1)}
        )
    urgent = emergency_replies(body.message, directory)
    try:
        timeout = EMERGENCY_TIMEOUT_SECONDS if urgent else RASA_TIMEOUT_SECONDS
        replies = await relay(settings.rasa_url, sender, body.message, timeout)
    except (TimeoutError, httpx.HTTPError, ValueError) as error:
        log.warning("assistant unavailable for a chat turn: %s", type(error).__name__)
        if urgent:
            return ChatOut(replies=urgent)
        raise ApiError(503, "assistant_unavailable", UNAVAILABLE) from error
    shown = [reply for reply in map(channel_reply, replies) if reply]
    if not shown:
        log.warning("the assistant gave no reply to a chat turn")
        shown = [{"text": NO_REPLY, "custom": {"no_reply": True}}]
    if urgent and not any(urgent[0]["custom"]["emergency"]["number"] in str(r.get("text", "")) for r in shown):
        shown = urgent + shown
    return ChatOut(replies=shown)
