"""Suggested answers for hotline agents (issue 19): ``POST /api/agent/suggest``.

For a caller's message, or text an agent types or pastes while on the phone (a softphone or the
voice gateway's live transcript can call it too), the top-3 knowledge entries with the answer text,
source, validity and confidence, and the searcher's decision (knowledge_base/suggestions.py).
Agent token only; the text is neither stored nor logged.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter
from pydantic import BaseModel, Field

from knowledge_base.index import IndexNotBuiltError
from knowledge_base.index_manager import ReloadingSearcher
from knowledge_base.suggestions import Suggestion, suggest
from webapp.auth import Agent
from webapp.department_api import ERROR_RESPONSES
from webapp.deps import AppSettings, Services
from webapp.errors import ApiError
from webapp.text_input import CleanText

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/agent", tags=["热线坐席"], responses=ERROR_RESPONSES)
TEXT_LIMIT = 2000  # characters, as a chat message (webapp/chat.py)


def searcher(services: Services, settings: AppSettings) -> ReloadingSearcher:
    """The knowledge searcher of the settings' index and model, loaded on first use (the model takes
    seconds) and then shared; a newly built index is picked up as in the action server.

    Called in the route, not declared as a dependency: dependencies run before the body is
    validated, and a request refused with 422 should not load the model.
    """
    try:
        return services.once(
            "searcher",
            lambda: ReloadingSearcher(
                settings.index_dir,
                settings.model_dir,
                interval=settings.index_reload_seconds,
                engine=settings.encoder,
                max_seq_length=settings.onnx_max_tokens,
            ),
        )
    except IndexNotBuiltError as error:
        logger.error("suggestions unavailable: %s", error)
        raise ApiError(503, "index_not_built", "知识库索引尚未建立，暂时无法提供参考答案。") from error


class SuggestIn(BaseModel):
    text: CleanText = Field(max_length=TEXT_LIMIT, description="来电人的话，或坐席输入、粘贴的文字")


class SourceOut(BaseModel):
    title: str
    doc_number: str = Field(description="文号")
    issuer: str
    section: str
    department: str = Field(description="责任部门")
    citation: str = Field(description="引用行，例如《标题》（文号）条款")


class SuggestionOut(BaseModel):
    entry_id: str
    title: str
    answer: str = Field(description="可直接发送（可编辑）的简短答复；已失效的条目以【已失效】开头")
    truncated: bool = Field(description="条目还有更多内容")
    source: SourceOut
    valid_from: str | None = Field(description="生效日期（ISO），未知为空")
    valid_to: str | None = Field(description="失效日期（ISO），长期有效为空")
    expired: bool = Field(description="已过有效期：仅供告知政策已结束，不作为现行答复")
    confidence: float = Field(ge=0, le=1, description="检索的校准置信度")


class SuggestOut(BaseModel):
    decision: str = Field(
        description="answer 可答复 / clarify 需追问是哪一项 / unsure 没有把握 / expired 最相关的已失效"
    )
    suggestions: list[SuggestionOut]


def _out(item: Suggestion) -> SuggestionOut:
    source = SourceOut(
        title=item.source.title,
        doc_number=item.source.doc_number,
        issuer=item.source.issuer,
        section=item.source.section,
        department=item.department,
        citation=item.source.citation(),
    )
    return SuggestionOut(
        entry_id=item.entry_id,
        title=item.title,
        answer=item.answer,
        truncated=item.truncated,
        source=source,
        valid_from=item.valid_from or None,
        valid_to=item.valid_to or None,
        expired=item.expired,
        confidence=item.confidence,
    )


@router.post("/suggest", response_model=SuggestOut, summary="参考答案（坐席）")
def agent_suggest(body: SuggestIn, who: Agent, services: Services, settings: AppSettings) -> SuggestOut:
    """The top-3 knowledge entries for the text and the searcher's decision; expired ones flagged."""
    result = suggest(searcher(services, settings), body.text)
    logger.info("suggestions for an agent: %s, %d entries", result.decision, len(result.items))
    return SuggestOut(decision=result.decision, suggestions=[_out(item) for item in result.items])
