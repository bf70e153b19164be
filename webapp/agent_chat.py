"""An agent who took a web hand-off talks to the caller through the chat widget.

The agent reads the conversation's transcript and writes into it; the widget, which polls after a
hand-off, shows the agent's messages as a person's. Only the agent holding the hand-off may do
either, and each read of the transcript is recorded in the access log (it holds personal data).
Pausing the assistant while a person holds the conversation belongs to the agent workspace.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from tickets.handoffs import TAKEN, HandoffQueue, HandoffView
from tickets.store import TicketStore
from webapp.auth import Agent
from webapp.chat import transcript_store
from webapp.department_api import ERROR_RESPONSES, actor_name
from webapp.deps import Services, Store
from webapp.errors import ApiError
from webapp.text_input import CleanText

router = APIRouter(prefix="/api/agent", tags=["热线坐席"], responses=ERROR_RESPONSES)


class AgentMessageIn(BaseModel):
    text: CleanText = Field(max_length=2000, description="坐席发给来电人的话")


class TranscriptOut(BaseModel):
    conversation_id: str
    messages: list[dict]


def _held(store: TicketStore, handoff_id: int, agent: str) -> HandoffView:
    """The hand-off, when ``agent`` holds it and it came from the chat."""
    handoff = HandoffQueue(store).get(handoff_id) if 0 < handoff_id <= 2**62 else None
    if handoff is None or not handoff.conversation_id:
        raise ApiError(404, "not_found", f"没有找到转人工记录{handoff_id}。")
    if handoff.status != TAKEN or handoff.taken_by != agent:
        raise ApiError(409, "not_taken", "请先接入这个转人工会话，再查看或回复。")
    return handoff


@router.get("/handoffs/{handoff_id}/messages", response_model=TranscriptOut, summary="转人工会话的聊天记录")
async def read_transcript(
    handoff_id: int,
    who: Agent,
    store: Store,
    services: Services,
    after: Annotated[int, Query(ge=0)] = 0,
) -> TranscriptOut:
    agent = actor_name("agent", who.name)
    handoff = await run_in_threadpool(_held, store, handoff_id, agent)
    await run_in_threadpool(store.record_access, agent, f"handoff-{handoff.id}", "聊天记录")
    conversation = str(handoff.conversation_id)
    transcripts = await run_in_threadpool(transcript_store, services)
    messages = await run_in_threadpool(transcripts.history, conversation, after)
    return TranscriptOut(conversation_id=conversation, messages=[m.as_json() for m in messages])


@router.post("/handoffs/{handoff_id}/messages", response_model=dict, summary="回复转人工的来电人")
async def send_to_caller(handoff_id: int, body: AgentMessageIn, who: Agent, store: Store, services: Services) -> dict:
    """消息进入该会话的聊天记录，来电人的聊天窗口会显示为人工客服的回复。"""
    handoff = await run_in_threadpool(_held, store, handoff_id, actor_name("agent", who.name))
    transcripts = await run_in_threadpool(transcript_store, services)
    message = await run_in_threadpool(transcripts.add_agent_message, str(handoff.conversation_id), body.text, who.name)
    return message.as_json()
