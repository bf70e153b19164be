"""GET /api/chat/history: the transcript of the caller's own conversation, for the widget to restore.

Only the holder of the conversation's signed token (or cookie) reads it: a guessed or leaked
conversation id alone gets nothing. ``after`` lets the widget poll for what came since (an agent's
messages after a hand-off).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from webapp.chat import known_conversation, transcript_store
from webapp.deps import Services, SessionSecret
from webapp.errors import ApiError, ErrorOut

router = APIRouter(tags=["聊天"])
UNKNOWN = "会话不存在或已过期，请重新开始。"


class HistoryOut(BaseModel):
    conversation_id: str
    messages: list[dict]


@router.get("/api/chat/history", response_model=HistoryOut, responses={401: {"model": ErrorOut}})
async def history(
    request: Request,
    services: Services,
    secret: SessionSecret,
    after: Annotated[int, Query(ge=0, description="只返回编号大于此值的消息")] = 0,
) -> HistoryOut:
    """本会话的聊天记录（凭 X-Conversation-Token 头或 Cookie），用于刷新页面后恢复。"""
    conversation = known_conversation(request, secret)
    if conversation is None:
        raise ApiError(401, "unknown_conversation", UNKNOWN)
    store = await run_in_threadpool(transcript_store, services)
    messages = await run_in_threadpool(store.history, conversation, after)
    return HistoryOut(conversation_id=conversation, messages=[m.as_json() for m in messages])
