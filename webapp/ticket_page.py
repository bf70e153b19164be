"""The public work-order status page (/ticket) and its timeline API.

The checks are the public lookup's (webapp/public_tickets.py: number + the contact phone's last
four digits, rate limits, the same answer for unknown and wrong); the answer adds the public
timeline (webapp/public_timeline.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse

from webapp import public_tickets
from webapp.deps import Store
from webapp.errors import ErrorOut
from webapp.public_tickets import LookupIn, LookupLimiters, LookupOut
from webapp.public_timeline import public_timeline

router = APIRouter(tags=["工单查询"])
STATIC = Path(__file__).parent / "static"


class TimelineOut(LookupOut):
    timeline: list[dict]


@router.post(
    "/api/tickets/timeline",
    response_model=TimelineOut,
    summary="查询工单进度和办理过程",
    responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}, 429: {"model": ErrorOut}},
)
def timeline(
    body: LookupIn,
    request: Request,
    store: Store,
    rates: Annotated[LookupLimiters, Depends(public_tickets.limiters)],
) -> TimelineOut:
    """与 /api/tickets/lookup 相同的核验（工单号 + 电话后四位），另附办理过程（只含状态、时间和答复）。"""
    found = public_tickets.lookup(body, request, store, rates)
    return TimelineOut(**found.model_dump(), timeline=public_timeline(store.events(found.number)))


@router.get("/ticket", include_in_schema=False)
def ticket_page() -> FileResponse:
    return FileResponse(STATIC / "ticket.html", media_type="text/html; charset=utf-8")
