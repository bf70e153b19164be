"""POST /api/chat: the browser's only way to the assistant.

The conversation id is the server's (webapp/conversations.py), never the browser's. Replies are
passed on as the channel should see them: the hand-off summary an agent needs (address, phone,
recent messages) stays on the agents' side. An emergency is answered even when Rasa or the action
server cannot answer in time: the advice comes from the routing rules in this process.

Every turn is kept in the transcript (webapp/transcripts.py) so the widget can restore the
conversation. The browser proves which conversation is its own with the signed token the answer
carries (``X-Conversation-Token``; an embedded widget gets no cookie from a third-party page),
or with the HttpOnly cookie. A message sent again with the same ``client_id`` gets the first
attempt's replies: the assistant hears it once.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from hotline.ratelimit import SlidingWindowLimiter
from routing.directory import CityDirectory
from routing.emergency import detect_emergency, emergency_message
from webapp import conversations
from webapp.deps import AppSettings, Directory, Services, SessionSecret, store_outside_requests
from webapp.errors import ApiError, ErrorOut
from webapp.public_timeline import with_timeline
from webapp.rasa_client import send_turn
from webapp.text_input import CleanText, OptionalCleanText
from webapp.transcripts import TranscriptStore, Turn

log = logging.getLogger(__name__)
router = APIRouter(tags=["聊天"])

RASA_TIMEOUT_SECONDS = 60.0
EMERGENCY_TIMEOUT_SECONDS = 3.0
UNAVAILABLE = "助手暂时无法响应，请稍后再试，或直接拨打12345。"
# Rasa answers 200 with no reply when a custom action failed (the action server died mid-turn).
NO_REPLY = "抱歉，刚才没能处理好您的消息，请再说一遍；着急的话可以直接拨打12345。"
# Keys of a reply Rasa's REST channel may carry that the widget can render.
REPLY_KEYS = ("text", "buttons", "image", "custom")
IN_PROGRESS = "上一条消息还在处理中，请稍候。"
# One office or carrier NAT may carry many callers: a client address gets several conversations' worth.
CLIENT_SHARE = 5
TOKEN_HEADER = "X-Conversation-Token"
# A stored message with no answer after this long was left by a process that died mid-turn.
STALE_TURN_SECONDS = RASA_TIMEOUT_SECONDS + 15


class ChatIn(BaseModel):
    message: CleanText = Field(max_length=2000, description="来电人输入的一句话")
    client_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{8,64}$", description="浏览器为这条消息生成的编号；重发时带同一编号，不会重复提交"
    )
    display: OptionalCleanText | None = Field(
        None, max_length=60, description="聊天窗口显示的文字（点按钮时为按钮文字），与发送内容不同时才填"
    )


class ConversationOut(BaseModel):
    id: str
    token: str = Field(description="会话凭证：之后的请求放在 X-Conversation-Token 头里，用来恢复聊天记录")


class ChatOut(BaseModel):
    replies: list[dict]
    conversation: ConversationOut | None = None
    message_id: int | None = Field(None, description="这条消息在聊天记录中的编号")
    reply_ids: list[int] = Field(default_factory=list, description="各条回复在聊天记录中的编号")
    replayed: bool = Field(False, description="同一编号的消息已处理过，返回的是当时的回复")


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


def known_conversation(request: Request, secret: bytes) -> str | None:
    """The conversation the request proves it holds: the token header, else the cookie."""
    return conversations.verify(request.headers.get(TOKEN_HEADER), secret) or conversations.verify(
        request.cookies.get(conversations.COOKIE_NAME), secret
    )


def transcript_store(services: Services) -> TranscriptStore:
    """The app's transcript store (the work orders' database), opened on first use."""
    return services.once("transcripts", lambda: TranscriptStore(services.settings.database_url))


def conversation_id(request: Request, response: Response, settings: AppSettings, secret: SessionSecret) -> str:
    """The caller's conversation: from the token or the signed cookie, or a new one set on the response."""
    found = known_conversation(request, secret)
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


def merge_payloads(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One reply per message: Rasa's REST channel sends a message's custom payload as a reply of its
    own after the text (and buttons); the widget draws the payload as part of that message."""
    merged: list[dict[str, Any]] = []
    for reply in replies:
        previous = merged[-1] if merged else None
        alone = set(reply) == {"custom"}
        if alone and previous is not None and "text" in previous and "custom" not in previous:
            merged[-1] = {**previous, "custom": reply["custom"]}
        else:
            merged.append(reply)
    return merged


async def relay(rasa_url: str, sender: str, message: str, timeout: float) -> list[dict[str, Any]]:
    return await send_turn(rasa_url, "rest", sender, message, timeout)


async def _begin(services: Services, sender: str, body: ChatIn) -> Turn | None:
    """The turn in the transcript; None when the transcript cannot be written (the caller is still answered)."""
    try:
        transcripts = await run_in_threadpool(transcript_store, services)
        return await run_in_threadpool(
            transcripts.begin_turn, sender, body.message, body.client_id, STALE_TURN_SECONDS, body.display or None
        )
    except Exception as error:  # noqa: BLE001 - a transcript failure must not silence the assistant
        log.warning("chat transcript unavailable: %s", type(error).__name__)
        return None


async def _finish(services: Services, sender: str, turn: Turn | None, replies: list[dict]) -> list[int]:
    """The replies' ids in the transcript (none when it could not keep them)."""
    if turn is None:
        return []
    try:
        stored = await run_in_threadpool(transcript_store(services).finish_turn, sender, turn.message_id, replies)
    except Exception as error:  # noqa: BLE001
        log.warning("chat replies not kept in the transcript: %s", type(error).__name__)
        return []
    return [message.id for message in stored]


async def _abandon(services: Services, turn: Turn | None) -> None:
    if turn is not None:
        try:
            await run_in_threadpool(transcript_store(services).abandon_turn, turn.message_id)
        except Exception as error:  # noqa: BLE001
            log.warning("unanswered chat turn left in the transcript: %s", type(error).__name__)


@router.post(
    "/api/chat",
    response_model=ChatOut,
    responses={
        409: {"model": ErrorOut},
        413: {"model": ErrorOut},
        422: {"model": ErrorOut},
        429: {"model": ErrorOut},
        503: {"model": ErrorOut},
    },
)
async def chat(
    body: ChatIn,
    request: Request,
    sender: Annotated[str, Depends(conversation_id)],
    rates: Annotated[ChatLimiters, Depends(limiters)],
    directory: Directory,
    settings: AppSettings,
    secret: SessionSecret,
    services: Services,
) -> ChatOut:
    """发送一句话给智能助手，返回助手的回复。

    会话由服务器分配：凭证在回复的 conversation.token 中（之后放在 X-Conversation-Token 头里），
    也保存在 HttpOnly Cookie 中。
    """
    per_conversation, per_client = rates
    wait = per_conversation.hit(sender) or per_client.hit(client_address(request))
    if wait:
        raise ApiError(
            429, "too_many_requests", "您发送得太快了，请稍等片刻再试。", headers={"Retry-After": str(int(wait) + 1)}
        )
    conversation = ConversationOut(id=sender, token=conversations.sign(sender, secret))
    turn = await _begin(services, sender, body)
    if turn is not None and turn.in_progress:
        raise ApiError(409, "in_progress", IN_PROGRESS, headers={"Retry-After": "2"})
    if turn is not None and turn.replies is not None:
        replayed = [reply.body for reply in turn.replies]
        ids = [reply.id for reply in turn.replies]
        return ChatOut(
            replies=replayed, conversation=conversation, message_id=turn.message_id, reply_ids=ids, replayed=True
        )
    urgent = emergency_replies(body.message, directory)
    failed = False
    try:
        timeout = EMERGENCY_TIMEOUT_SECONDS if urgent else RASA_TIMEOUT_SECONDS
        replies = await relay(settings.rasa_url, sender, body.message, timeout)
    except (TimeoutError, httpx.HTTPError, ValueError) as error:
        log.warning("assistant unavailable for a chat turn: %s", type(error).__name__)
        if not urgent:
            await _abandon(services, turn)
            raise ApiError(503, "assistant_unavailable", UNAVAILABLE) from error
        replies, failed = [], True
    shown = merge_payloads([reply for reply in map(channel_reply, replies) if reply])
    if not shown and not failed:
        log.warning("the assistant gave no reply to a chat turn")
        shown = [{"text": NO_REPLY, "custom": {"no_reply": True}}]
    if urgent and not any(urgent[0]["custom"]["emergency"]["number"] in str(r.get("text", "")) for r in shown):
        shown = urgent + shown
    if any(
        isinstance(reply.get("custom"), dict) and {"ticket_status", "work_order"} & set(reply["custom"])
        for reply in shown
    ):
        store = partial(store_outside_requests, request.app)
        shown = [await run_in_threadpool(with_timeline, reply, store) for reply in shown]
    reply_ids = await _finish(services, sender, turn, shown)
    message_id = turn.message_id if turn is not None else None
    return ChatOut(replies=shown, conversation=conversation, message_id=message_id, reply_ids=reply_ids)
