"""The agents' side of personal data: the hand-off queue, redaction on request, and who read what.

The hand-off summary (address, phone, recent messages) reaches agents here and nowhere else;
reading it is recorded in the access log like any read of an order's personal data.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tickets.caller_data import redact_caller_data
from tickets.handoffs import HandoffQueue, HandoffView
from tickets.store import TicketStore
from webapp.auth import Agent
from webapp.chat import transcript_store
from webapp.department_api import ERROR_RESPONSES, WorkOrderDetail, actor_name, detail
from webapp.deps import AppSettings, Services, Store
from webapp.errors import ApiError
from webapp.text_input import CleanText

router = APIRouter(prefix="/api/agent", tags=["热线坐席"], responses=ERROR_RESPONSES)


class HandoffOut(BaseModel):
    id: int
    conversation_id: str | None
    channel: str
    created_at: datetime
    status: str = Field(description="waiting 待接 / taken 已接 / closed 已结束")
    taken_by: str | None
    taken_at: datetime | None
    summary: dict[str, Any] = Field(description="转人工摘要：话题、已收集的信息、候选答案、最近的消息")


class RedactIn(BaseModel):
    reason: CleanText = Field(max_length=500, description="删除原因，例如来电人依法申请删除个人信息")


class AccessOut(BaseModel):
    at: datetime
    actor: str
    work_order_number: str
    purpose: str


def _shown(store: TicketStore, handoff: HandoffView, reader: str) -> HandoffOut:
    store.record_access(reader, f"handoff-{handoff.id}", "转人工摘要")
    return HandoffOut(**asdict(handoff))


@router.get("/handoffs", response_model=list[HandoffOut], summary="待接的转人工会话")
def waiting_handoffs(who: Agent, store: Store, limit: int = Query(50, ge=1, le=500)) -> list[HandoffOut]:
    """最早转人工的会话在前，附转人工摘要。"""
    reader = actor_name("agent", who.name)
    return [_shown(store, handoff, reader) for handoff in HandoffQueue(store).waiting(limit)]


@router.post("/handoffs/{handoff_id}/take", response_model=HandoffOut, summary="接入转人工会话")
def take_handoff(handoff_id: int, who: Agent, store: Store) -> HandoffOut:
    if handoff_id < 1 or handoff_id > 2**62:
        raise ApiError(404, "not_found", f"没有找到转人工记录{handoff_id}。")
    reader = actor_name("agent", who.name)
    return _shown(store, HandoffQueue(store).take(handoff_id, reader), reader)


@router.post("/work-orders/{number}/redact", response_model=WorkOrderDetail, summary="删除工单中的个人信息")
def redact_order(
    number: str, body: RedactIn, who: Agent, store: Store, settings: AppSettings, services: Services
) -> WorkOrderDetail:
    """依来电人申请（个人信息保护法第四十七条）删除电话、地址、诉求原文和会话记录；留下“信息删除”记录。"""
    agent_name = actor_name("agent", who.name)
    before = store.get(number)
    done = redact_caller_data(store, number, agent_name, body.reason, settings.tracker_db_url)
    if before is not None and before.conversation_id:
        transcript_store(services).forget_conversation(before.conversation_id)  # the chat widget's copy
    return detail(store, done.order, agent_name)


@router.get("/work-orders/{number}/access-log", response_model=list[AccessOut], summary="工单个人信息查阅记录")
def order_access_log(number: str, who: Agent, store: Store, limit: int = Query(100, ge=1, le=1000)) -> list[AccessOut]:
    if store.get(number) is None:
        raise ApiError(404, "not_found", f"没有查到工单{number}，请核对工单号。")
    return [AccessOut(**asdict(entry)) for entry in store.access_log(number, limit=limit)]
