"""The work-order lifecycle: every step checked against the state table and logged as an event.

受理 → 转办 → 签收(办理中) → 答复 → 回访 → 办结, with 退单 → 改派, 延期申请 → 批准/驳回, 督办 when a
deadline passes (tickets/sweep.py) and 重办 when the caller is not satisfied. Each operation runs
in one transaction under a row lock (TicketStore.mutate), so concurrent steps cannot interleave.
Operations that a department performs take ``department`` and refuse orders assigned elsewhere.
"""

from __future__ import annotations

from datetime import datetime

from tickets.errors import IllegalTransition, InvalidOperation, NotAssigned, require_text
from tickets.models import WorkOrder
from tickets.status import (
    OPEN_STATUSES,
    TRANSITION_ACTIONS,
    WorkOrderAction,
    WorkOrderStatus,
    can_transition,
)
from tickets.store import CHINA_TZ, EventDraft, Step, TicketStore, WorkOrderView, _aware

A = WorkOrderAction
_UNSET = object()


def _join(*parts: str | None) -> str | None:
    text = "；".join(p.strip() for p in parts if p and p.strip())
    return text or None


def _show(moment: datetime | None) -> str:
    return _aware(moment).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if moment else "未设定"


def move(order: WorkOrder, action: WorkOrderAction, note: str | None = None) -> EventDraft:
    """Apply a transition action to ``order`` (in place) or raise IllegalTransition."""
    sources, target = TRANSITION_ACTIONS[action]
    current = order.status
    if current not in sources:
        raise IllegalTransition(order.number, current, target.value, action.value)
    assert can_transition(current, target), (current, target)  # the tables agree (unit-tested)
    order.status = target.value
    return EventDraft(action.value, note, current, target.value)


def _check_department(order: WorkOrder, department: str | None) -> None:
    if department is not None and order.department != department:
        raise NotAssigned(order.number, department)


class WorkOrderLifecycle:
    """The operations that move work orders, for the web API, the CLI and the agent console."""

    def __init__(self, store: TicketStore) -> None:
        self.store = store
        self.limits = store.time_limits

    def _restart_clock(self, order: WorkOrder, now: datetime) -> str:
        order.due_at = self.limits.due_at(now, order.urgency, order.matter)
        order.supervised_at = None
        return f"办理时限：{_show(order.due_at)}"

    # ------------------------------------------------------------------ the centre
    def assign(
        self,
        number: str,
        department: str,
        *,
        actor: str,
        local_government: str | None | object = _UNSET,
        note: str | None = None,
    ) -> WorkOrderView:
        """转办 (confirms the routing of an order waiting for review) — or 改派 for a returned order."""
        department = require_text(department, "承办单位", 64)
        dispatch = self.dispatch_step(department, local_government=local_government, note=note)

        def step(order: WorkOrder, now: datetime) -> list[EventDraft]:
            if order.status == WorkOrderStatus.RETURNED:
                return self._reassign_step(order, now, department, local_government, note)
            return dispatch(order, now)

        return self.store.mutate(number, step, actor)[0]

    def dispatch_step(
        self, department: str, *, local_government: str | None | object = _UNSET, note: str | None = None
    ) -> Step:
        """The 转办 step on its own, for the store to run inside another transaction
        (tickets/intake.py: created and dispatched at once)."""
        department = require_text(department, "承办单位", 64)

        def step(order: WorkOrder, now: datetime) -> list[EventDraft]:
            if local_government is not _UNSET:
                order.local_government = local_government  # type: ignore[assignment]
            order.department = department
            order.needs_review = False
            co = f"（协办：{order.local_government}）" if order.local_government else ""
            return [move(order, A.DISPATCH, _join(f"转办至{department}{co}", note))]

        return step

    def reassign(
        self,
        number: str,
        department: str,
        *,
        actor: str,
        local_government: str | None | object = _UNSET,
        note: str | None = None,
    ) -> WorkOrderView:
        """改派: a returned (退单) order goes to another department, with a fresh time limit."""
        department = require_text(department, "承办单位", 64)
        return self.store.mutate(
            number, lambda order, now: self._reassign_step(order, now, department, local_government, note), actor
        )[0]

    def _reassign_step(
        self, order: WorkOrder, now: datetime, department: str, local_government: object, note: str | None
    ) -> list[EventDraft]:
        if order.status == WorkOrderStatus.RETURNED and department == order.department:
            raise InvalidOperation(f"工单{order.number}是{department}退回的，改派须选择其他承办单位。")
        previous = order.department
        draft = move(order, A.REASSIGN)
        order.department = department
        order.needs_review = False
        if local_government is not _UNSET:
            order.local_government = local_government  # type: ignore[assignment]
        clock = self._restart_clock(order, now)
        return [
            EventDraft(
                draft.action,
                _join(f"由{previous or '未定'}改派至{department}", note, clock),
                draft.from_status,
                draft.to_status,
            )
        ]

    def decide_extension(self, number: str, approve: bool, *, actor: str, note: str | None = None) -> WorkOrderView:
        """延期批准 moves the deadline by the requested working days; 延期驳回 keeps it."""

        def step(order: WorkOrder, now: datetime) -> list[EventDraft]:
            days = order.extension_days
            if days is None:
                raise InvalidOperation(f"工单{order.number}没有待审批的延期申请。")
            order.extension_days = None
            order.extension_reason = None
            if not approve:
                return [EventDraft(A.EXTENSION_REJECTED.value, _join(f"不同意延期{days}个工作日", note))]
            order.due_at = self.limits.add_working_days(_aware(order.due_at or now), days)
            order.supervised_at = None
            text = f"同意延期{days}个工作日，办理时限调整为{_show(order.due_at)}"
            return [EventDraft(A.EXTENSION_APPROVED.value, _join(text, note))]

        return self.store.mutate(number, step, actor)[0]

    def record_callback(self, number: str, satisfied: bool, note: str | None = None, *, actor: str) -> WorkOrderView:
        """回访: satisfied → 已回访 (then close); not satisfied → 已回访 and at once 重办 (办理中)."""

        def step(order: WorkOrder, now: datetime) -> list[EventDraft]:
            verdict = "群众满意" if satisfied else "群众不满意"
            drafts = [move(order, A.CALLBACK, _join(verdict, note))]
            if not satisfied:
                clock = self._restart_clock(order, now)
                drafts.append(move(order, A.REDO, _join("回访不满意，退回承办单位重新办理", clock)))
            return drafts

        return self.store.mutate(number, step, actor)[0]

    def reopen(self, number: str, reason: str, *, actor: str) -> WorkOrderView:
        """重办: back to the department with a fresh time limit."""
        reason = require_text(reason, "重办原因")

        def step(order: WorkOrder, now: datetime) -> list[EventDraft]:
            draft = move(order, A.REDO)
            clock = self._restart_clock(order, now)
            return [EventDraft(draft.action, _join(reason, clock), draft.from_status, draft.to_status)]

        return self.store.mutate(number, step, actor)[0]

    def close(self, number: str, *, actor: str, note: str | None = None) -> WorkOrderView:
        return self.store.mutate(number, lambda order, now: [move(order, A.CLOSE, note)], actor)[0]

    def supervise(self, number: str, *, actor: str, note: str | None = None) -> WorkOrderView | None:
        """督办 an order past its deadline; None when it no longer is (answered, extended, already 督办)."""
        marked: list[bool] = []

        def step(order: WorkOrder, now: datetime) -> list[EventDraft]:
            if not needs_supervision(order, now):
                return []
            order.supervised_at = now
            marked.append(True)
            overdue = f"已超过办理时限（{_show(order.due_at)}），请{order.department or '热线中心'}抓紧办理"
            return [EventDraft(A.SUPERVISE.value, _join(overdue, note))]

        view = self.store.mutate(number, step, actor)[0]
        return view if marked else None

    # ------------------------------------------------------------------ the departments
    def accept(self, number: str, *, actor: str, department: str | None = None) -> WorkOrderView:
        """签收: the department takes the order (已转办 → 办理中)."""

        def step(order: WorkOrder, now: datetime) -> list[EventDraft]:
            _check_department(order, department)
            return [move(order, A.SIGN, f"{order.department}签收")]

        return self.store.mutate(number, step, actor)[0]

    def return_order(self, number: str, reason: str, *, actor: str, department: str | None = None) -> WorkOrderView:
        """退单: the department says the order is not its matter and why."""
        reason = require_text(reason, "退单理由")

        def step(order: WorkOrder, now: datetime) -> list[EventDraft]:
            _check_department(order, department)
            order.extension_days = None
            order.extension_reason = None
            return [move(order, A.RETURN, reason)]

        return self.store.mutate(number, step, actor)[0]

    def reply(self, number: str, text: str, *, actor: str, department: str | None = None) -> WorkOrderView:
        """答复: the department's answer, which the caller will hear. The centre itself may also
        answer an order it has not sent anywhere (已受理/退单); a department must have signed for it."""
        text = require_text(text, "答复内容")

        def step(order: WorkOrder, now: datetime) -> list[EventDraft]:
            _check_department(order, department)
            if department is not None and order.status != WorkOrderStatus.IN_PROGRESS:
                raise IllegalTransition(order.number, order.status, WorkOrderStatus.ANSWERED.value, A.REPLY.value)
            order.extension_days = None
            order.extension_reason = None
            return [move(order, A.REPLY, text)]

        return self.store.mutate(number, step, actor)[0]

    def request_extension(
        self, number: str, days: int, reason: str, *, actor: str, department: str | None = None
    ) -> WorkOrderView:
        """延期申请: ``days`` more working days, decided by the centre (decide_extension)."""
        reason = require_text(reason, "延期理由")
        self.limits.check_extension(days)

        def step(order: WorkOrder, now: datetime) -> list[EventDraft]:
            _check_department(order, department)
            if order.status != WorkOrderStatus.IN_PROGRESS:
                raise InvalidOperation(f"工单{order.number}当前状态为“{order.status}”，签收办理中的工单才能申请延期。")
            if order.extension_days is not None:
                raise InvalidOperation(f"工单{order.number}已有待审批的延期申请（{order.extension_days}个工作日）。")
            order.extension_days = days
            order.extension_reason = reason
            return [EventDraft(A.EXTENSION_REQUEST.value, f"申请延期{days}个工作日：{reason}")]

        return self.store.mutate(number, step, actor)[0]


def needs_supervision(order: WorkOrder | WorkOrderView, now: datetime) -> bool:
    """Past its deadline, still owed an answer, and not yet 督办 for this deadline."""
    if order.status not in OPEN_STATUSES or order.due_at is None:
        return False
    due = _aware(order.due_at)
    if now <= due:
        return False
    return order.supervised_at is None or _aware(order.supervised_at) < due
