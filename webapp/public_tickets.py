"""Public work-order lookup: the order number (or public reference) and a second factor.

Anyone may ask, so the answer holds no personal data (no phone, address, description or
conversation), unknown numbers and wrong factors get the same answer, and both the client and the
order are rate-limited: the last four digits of a phone are only 10,000 guesses, so an order locks
after a few wrong ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from hotline.ratelimit import SlidingWindowLimiter
from tickets.status import CALLER_VISIBLE_NOTE_ACTIONS
from tickets.store import TicketStore, WorkOrderView, phone_last4_matches
from webapp.chat import client_address
from webapp.deps import Services, Store
from webapp.errors import ApiError, ErrorOut
from webapp.text_input import CleanText

router = APIRouter(prefix="/api/tickets", tags=["工单查询"])
NOT_FOUND = "工单号或电话后四位不正确，请核对后再试。"
NO_PHONE = "这张工单没有留联系电话，无法在网上查询，请拨打12345人工查询。"
LOCKED = "查询失败次数过多，请稍后再试，或拨打12345人工查询。"


class LookupIn(BaseModel):
    number: CleanText = Field(max_length=40, description="工单号（如 JZ20261207-0001）或受理编号")
    phone_last4: str = Field(pattern=r"^\d{4}$", description="登记的联系电话后四位")


class LookupOut(BaseModel):
    number: str
    reference: str | None = Field(None, description="受理编号（不按顺序生成，可用于查询）")
    kind: str
    status: str
    department: str | None = Field(description="承办单位")
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None = Field(description="办理时限")
    reply: str | None = Field(description="承办单位的最新答复")
    replied_at: datetime | None


LookupLimiters = tuple[SlidingWindowLimiter, SlidingWindowLimiter]


def limiters(services: Services) -> LookupLimiters:
    """(lookups per client address, failed checks per order), one pair per app
    (HOTLINE_LOOKUP_RATE, HOTLINE_LOOKUP_FAILURES)."""
    lookups, failures = services.settings.lookup_rate, services.settings.lookup_failures

    def make() -> LookupLimiters:
        per_order = SlidingWindowLimiter(failures.limit, failures.window)
        return SlidingWindowLimiter(lookups.limit, lookups.window), per_order

    return services.once("lookup_limiters", make)


def _retry(wait: float, message: str) -> ApiError:
    return ApiError(429, "too_many_requests", message, headers={"Retry-After": str(int(wait) + 1)})


def _public_view(order: WorkOrderView, store: TicketStore) -> LookupOut:
    replies = [e for e in store.events(order.number) if e.action in CALLER_VISIBLE_NOTE_ACTIONS]
    last = replies[-1] if replies else None
    return LookupOut(
        number=order.number,
        reference=order.public_ref,
        kind=order.kind,
        status=order.status,
        department=order.department,
        created_at=order.created_at,
        updated_at=order.updated_at,
        due_at=order.due_at,
        reply=last.note if last else None,
        replied_at=last.at if last else None,
    )


@router.post(
    "/lookup",
    response_model=LookupOut,
    summary="查询工单进度",
    responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}, 429: {"model": ErrorOut}},
)
def lookup(
    body: LookupIn, request: Request, store: Store, rates: Annotated[LookupLimiters, Depends(limiters)]
) -> LookupOut:
    """凭工单号（或受理编号）和登记电话后四位查询办理进度；只返回状态、承办单位、时间和答复。"""
    per_client, per_order = rates
    wait = per_client.hit(client_address(request))
    if wait:
        raise _retry(wait, LOCKED)
    order = store.find_by_reference(body.number)
    key = order.number if order is not None else body.number.upper()
    wait = per_order.blocked_for(key)
    if wait:
        raise _retry(wait, LOCKED)
    if order is not None and not order.phone:
        raise ApiError(404, "not_found", NO_PHONE)
    if order is None or not phone_last4_matches(order.phone, body.phone_last4):
        per_order.hit(key)
        raise ApiError(404, "not_found", NOT_FOUND)
    return _public_view(order, store)
