"""REST API of work orders for departments (承办单位) and hotline agents (坐席).

Departments see and act on the orders sent to them (and see, read-only, those they co-handle as
the local government); agents confirm routing, decide extensions and record 回访 results.
Every request carries a bearer token (webapp/auth.py); errors are {"error", "message"} JSON.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from hotline.privacy import mask_address, mask_phone, mask_text
from routing.directory import CityDirectory
from tickets.status import WorkOrderStatus
from tickets.store import TicketStore, WorkOrderView
from tickets.sweep import sweep_overdue
from webapp.auth import Agent, Department
from webapp.deps import Directory, Lifecycle, Store
from webapp.errors import ApiError, ErrorOut
from webapp.text_input import CleanText, OptionalCleanText

ERROR_RESPONSES = {
    401: {"model": ErrorOut, "description": "缺少或无效的令牌"},
    403: {"model": ErrorOut, "description": "无权办理"},
    404: {"model": ErrorOut, "description": "工单不存在或不属于本单位"},
    409: {"model": ErrorOut, "description": "工单当前状态不允许此操作"},
    422: {"model": ErrorOut, "description": "参数不正确"},
}
department_router = APIRouter(prefix="/api/department", tags=["承办单位"], responses=ERROR_RESPONSES)
agent_router = APIRouter(prefix="/api/agent", tags=["热线坐席"], responses=ERROR_RESPONSES)


# ---------------------------------------------------------------------- schemas
class EventOut(BaseModel):
    at: datetime
    actor: str
    action: str = Field(description="受理、转办、签收、退单、改派、答复、回访、重办、办结、延期申请、督办 …")
    from_status: str | None
    to_status: str | None
    note: str | None


class WorkOrderOut(BaseModel):
    number: str = Field(examples=["JZ20261122-0001"])
    kind: str
    status: str
    description: str
    district: str | None
    address: str | None
    phone: str | None
    department: str | None = Field(description="主办单位")
    local_government: str | None = Field(description="属地协办单位")
    routing_reason: str | None
    needs_review: bool = Field(description="派单待坐席确认")
    urgency: str
    matter: str | None
    due_at: datetime | None = Field(description="办理时限")
    overdue: bool = Field(description="已超时限且未答复")
    extension_days: int | None = Field(description="待审批的延期工作日数")
    extension_reason: str | None
    supervised_at: datetime | None = Field(description="最近一次督办时间")
    created_at: datetime
    updated_at: datetime
    role: Literal["主办", "协办"] | None = Field(None, description="调用单位在此工单中的角色")


class WorkOrderDetail(WorkOrderOut):
    events: list[EventOut]


class ReturnIn(BaseModel):
    reason: CleanText = Field(max_length=1000, description="退单理由，例如不属于本单位职责及建议的承办单位")


class ReplyIn(BaseModel):
    text: CleanText = Field(max_length=4000, description="答复内容（将告知来电人）")


class ExtensionIn(BaseModel):
    days: int = Field(ge=1, le=60, description="申请延长的工作日数")
    reason: CleanText = Field(max_length=1000)


class AssignIn(BaseModel):
    department: CleanText = Field(max_length=64, description="承办单位（部门目录中的名称或简称）")
    local_government: OptionalCleanText | None = Field(None, max_length=64, description="属地协办单位；不填则保持不变")
    note: OptionalCleanText | None = Field(None, max_length=1000)


class DecisionIn(BaseModel):
    approve: bool
    note: OptionalCleanText | None = Field(None, max_length=1000)


class CallbackIn(BaseModel):
    satisfied: bool = Field(description="来电人是否满意；不满意则工单重办")
    note: OptionalCleanText | None = Field(None, max_length=1000)


class NoteIn(BaseModel):
    note: OptionalCleanText | None = Field(None, max_length=1000)


class ReasonIn(BaseModel):
    reason: CleanText = Field(max_length=1000)


class SweepOut(BaseModel):
    supervised: list[WorkOrderOut] = Field(description="本次新督办的工单")
    overdue: list[WorkOrderOut] = Field(description="全部超时未答复的工单")


# ---------------------------------------------------------------------- helpers
def _out(
    store: TicketStore,
    order: WorkOrderView,
    model: type[WorkOrderOut] = WorkOrderOut,
    caller: str | None = None,
    **extra: object,
) -> WorkOrderOut:
    now = store.now()
    role = None
    if caller is not None:
        role = "主办" if order.department == caller else "协办"
    return model(**asdict(order), overdue=order.is_overdue(now), role=role, **extra)


def _listed(store: TicketStore, order: WorkOrderView, caller: str | None = None) -> WorkOrderOut:
    """A list row: personal data masked (the full order is one detail request away, and logged)."""
    masked = replace(
        order,
        phone=mask_phone(order.phone) if order.phone else None,
        address=mask_address(order.address) if order.address else None,
        description=mask_text(order.description),
    )
    return _out(store, masked, caller=caller)


def detail(store: TicketStore, order: WorkOrderView, reader: str, caller: str | None = None) -> WorkOrderDetail:
    """The whole order with its events; the read of its personal data is recorded."""
    store.record_access(reader, order.number, "工单详情")
    events = [EventOut(**asdict(e)) for e in store.events(order.number)]
    return _out(store, order, WorkOrderDetail, caller, events=events)  # type: ignore[return-value]


def _not_found(number: str) -> ApiError:
    return ApiError(404, "not_found", f"没有查到工单{number}，或该工单未交办给本单位。")


def _visible_order(store: TicketStore, number: str, name: str) -> WorkOrderView:
    """The order if it was sent to this department (主办 or 属地协办); 404 otherwise."""
    order = store.get(number)
    if order is None or order.status == WorkOrderStatus.ACCEPTED:
        raise _not_found(number)  # not yet dispatched: the routing is only a suggestion
    if name not in (order.department, order.local_government):
        raise _not_found(number)
    return order


def _canonical_department(directory: CityDirectory, name: str, what: str = "承办单位") -> str:
    found = directory.department(name.strip())
    if found is None:
        raise ApiError(422, "unknown_department", f"{what}“{name}”不在本市部门目录中。")
    return found.name


def actor_name(prefix: str, name: str) -> str:
    return f"{prefix}:{name}"[:64]


# ---------------------------------------------------------------------- departments
@department_router.get("/work-orders", response_model=list[WorkOrderOut], summary="本单位的工单列表")
def department_list(
    name: Department,
    store: Store,
    status: list[WorkOrderStatus] | None = Query(None, description="按状态筛选，可多选"),
    overdue: bool | None = Query(None, description="true：只看超时未答复的"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> list[WorkOrderOut]:
    """交办给本单位（主办）或由本单位属地协办的工单，按办理时限先后排列。"""
    statuses = (
        [s.value for s in status] if status else [s.value for s in WorkOrderStatus if s != WorkOrderStatus.ACCEPTED]
    )
    orders = store.find(
        department=name, include_co_handled=True, statuses=statuses, overdue=overdue, limit=limit, offset=offset
    )
    return [_listed(store, order, caller=name) for order in orders]


@department_router.get("/work-orders/{number}", response_model=WorkOrderDetail, summary="查看工单详情")
def department_show(number: str, name: Department, store: Store) -> WorkOrderDetail:
    return detail(store, _visible_order(store, number, name), actor_name("department", name), caller=name)


@department_router.post("/work-orders/{number}/accept", response_model=WorkOrderDetail, summary="签收工单")
def department_accept(number: str, name: Department, store: Store, lifecycle: Lifecycle) -> WorkOrderDetail:
    """已转办 → 办理中。"""
    _visible_order(store, number, name)
    order = lifecycle.accept(number, actor=actor_name("department", name), department=name)
    return detail(store, order, actor_name("department", name), caller=name)


@department_router.post("/work-orders/{number}/return", response_model=WorkOrderDetail, summary="退单（非本单位职责）")
def department_return(
    number: str, body: ReturnIn, name: Department, store: Store, lifecycle: Lifecycle
) -> WorkOrderDetail:
    """已转办/办理中 → 退单，须说明理由；热线中心随后改派。"""
    _visible_order(store, number, name)
    order = lifecycle.return_order(number, body.reason, actor=actor_name("department", name), department=name)
    return detail(store, order, actor_name("department", name), caller=name)


@department_router.post("/work-orders/{number}/reply", response_model=WorkOrderDetail, summary="答复工单")
def department_reply(
    number: str, body: ReplyIn, name: Department, store: Store, lifecycle: Lifecycle
) -> WorkOrderDetail:
    """办理中 → 已答复；答复内容将告知来电人。"""
    _visible_order(store, number, name)
    order = lifecycle.reply(number, body.text, actor=actor_name("department", name), department=name)
    return detail(store, order, actor_name("department", name), caller=name)


@department_router.post("/work-orders/{number}/extension", response_model=WorkOrderDetail, summary="申请延期")
def department_extension(
    number: str, body: ExtensionIn, name: Department, store: Store, lifecycle: Lifecycle
) -> WorkOrderDetail:
    """办理中的工单申请延长办理时限（工作日），由热线中心审批。"""
    _visible_order(store, number, name)
    order = lifecycle.request_extension(
        number, body.days, body.reason, actor=actor_name("department", name), department=name
    )
    return detail(store, order, actor_name("department", name), caller=name)


# ---------------------------------------------------------------------- agents
@agent_router.get("/work-orders", response_model=list[WorkOrderOut], summary="工单查询（坐席）")
def agent_list(
    who: Agent,
    store: Store,
    department: str | None = Query(None, description="承办单位"),
    status: list[WorkOrderStatus] | None = Query(None),
    overdue: bool | None = Query(None),
    needs_review: bool | None = Query(None, description="true：派单待确认"),
    extension_pending: bool | None = Query(None, description="true：有待审批的延期申请"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> list[WorkOrderOut]:
    orders = store.find(
        department=department,
        statuses=[s.value for s in status] if status else None,
        overdue=overdue,
        needs_review=needs_review,
        extension_pending=extension_pending,
        limit=limit,
        offset=offset,
    )
    return [_listed(store, order) for order in orders]


@agent_router.get("/work-orders/{number}", response_model=WorkOrderDetail, summary="查看工单详情（坐席）")
def agent_show(number: str, who: Agent, store: Store) -> WorkOrderDetail:
    order = store.get(number)
    if order is None:
        raise ApiError(404, "not_found", f"没有查到工单{number}，请核对工单号。")
    return detail(store, order, actor_name("agent", who.name))


@agent_router.post("/work-orders/{number}/assign", response_model=WorkOrderDetail, summary="确认派单（转办/改派）")
def agent_assign(
    number: str, body: AssignIn, who: Agent, store: Store, lifecycle: Lifecycle, directory: Directory
) -> WorkOrderDetail:
    """已受理 → 已转办（确认或更正系统建议的承办单位）；退单 → 已转办（改派至其他单位）。"""
    target = _canonical_department(directory, body.department)
    extra: dict[str, object] = {}
    if body.local_government is not None:
        extra["local_government"] = (
            _canonical_department(directory, body.local_government, "属地协办单位")
            if body.local_government.strip()
            else None
        )
    order = lifecycle.assign(number, target, actor=actor_name("agent", who.name), note=body.note, **extra)
    return detail(store, order, actor_name("agent", who.name))


@agent_router.post("/work-orders/{number}/extension/decision", response_model=WorkOrderDetail, summary="审批延期申请")
def agent_decide_extension(
    number: str, body: DecisionIn, who: Agent, store: Store, lifecycle: Lifecycle
) -> WorkOrderDetail:
    """同意则办理时限顺延申请的工作日数；不同意则时限不变。"""
    order = lifecycle.decide_extension(number, body.approve, actor=actor_name("agent", who.name), note=body.note)
    return detail(store, order, actor_name("agent", who.name))


@agent_router.post("/work-orders/{number}/callback", response_model=WorkOrderDetail, summary="记录回访结果")
def agent_callback(number: str, body: CallbackIn, who: Agent, store: Store, lifecycle: Lifecycle) -> WorkOrderDetail:
    """已答复 → 已回访；来电人不满意时工单重办（→ 办理中，重新计算办理时限）。"""
    order = lifecycle.record_callback(number, body.satisfied, body.note, actor=actor_name("agent", who.name))
    return detail(store, order, actor_name("agent", who.name))


@agent_router.post("/work-orders/{number}/close", response_model=WorkOrderDetail, summary="办结工单")
def agent_close(number: str, body: NoteIn, who: Agent, store: Store, lifecycle: Lifecycle) -> WorkOrderDetail:
    order = lifecycle.close(number, actor=actor_name("agent", who.name), note=body.note)
    return detail(store, order, actor_name("agent", who.name))


@agent_router.post("/work-orders/{number}/reopen", response_model=WorkOrderDetail, summary="重办工单")
def agent_reopen(number: str, body: ReasonIn, who: Agent, store: Store, lifecycle: Lifecycle) -> WorkOrderDetail:
    order = lifecycle.reopen(number, body.reason, actor=actor_name("agent", who.name))
    return detail(store, order, actor_name("agent", who.name))


@agent_router.post("/sweep", response_model=SweepOut, summary="超时督办扫描")
def agent_sweep(who: Agent, store: Store) -> SweepOut:
    """把超过办理时限且未答复的工单标记督办，并列出全部超时工单。"""
    result = sweep_overdue(store, actor=actor_name("agent", who.name))
    return SweepOut(
        supervised=[_listed(store, o) for o in result.supervised], overdue=[_listed(store, o) for o in result.overdue]
    )
