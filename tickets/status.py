"""Work-order kinds and lifecycle states.

The lifecycle follows the 12345 工单 flow of the gazettes: 受理 → 转办 → 办理 → 答复 → 回访/评价,
plus 退单 when the receiving department returns an order that is not its matter. Only the
names and the allowed transitions live here; the operations that move an order come later.
"""

from __future__ import annotations

from enum import StrEnum


class WorkOrderKind(StrEnum):
    """What the caller wants; the values are what agents and reports show."""

    COMPLAINT = "投诉"
    HELP = "求助"
    SUGGESTION = "建议"
    PRAISE = "表扬"
    INQUIRY = "咨询"


class WorkOrderStatus(StrEnum):
    ACCEPTED = "已受理"  # taken by the hotline, not yet sent anywhere
    DISPATCHED = "已转办"  # sent to the responsible department
    IN_PROGRESS = "办理中"  # the department has signed for it
    ANSWERED = "已答复"  # the department (or the hotline itself) has replied
    REVISITED = "已回访"  # the hotline has asked the caller about the reply
    CLOSED = "已办结"  # final
    RETURNED = "退单"  # the department returned it as not its matter


INITIAL_STATUS = WorkOrderStatus.ACCEPTED

ALLOWED_TRANSITIONS: dict[WorkOrderStatus, frozenset[WorkOrderStatus]] = {
    # Direct answers by the hotline (咨询 answered on the call) skip dispatching.
    WorkOrderStatus.ACCEPTED: frozenset({WorkOrderStatus.DISPATCHED, WorkOrderStatus.ANSWERED, WorkOrderStatus.CLOSED}),
    WorkOrderStatus.DISPATCHED: frozenset({WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.RETURNED}),
    WorkOrderStatus.IN_PROGRESS: frozenset({WorkOrderStatus.ANSWERED, WorkOrderStatus.RETURNED}),
    # An unsatisfied caller reopens the order (重办) instead of it being closed.
    WorkOrderStatus.ANSWERED: frozenset(
        {WorkOrderStatus.REVISITED, WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.CLOSED}
    ),
    WorkOrderStatus.REVISITED: frozenset({WorkOrderStatus.CLOSED, WorkOrderStatus.IN_PROGRESS}),
    # The hotline re-examines a returned order and dispatches it again (possibly elsewhere).
    WorkOrderStatus.RETURNED: frozenset({WorkOrderStatus.DISPATCHED, WorkOrderStatus.ANSWERED}),
    WorkOrderStatus.CLOSED: frozenset(),
}

TERMINAL_STATUSES: frozenset[WorkOrderStatus] = frozenset(
    status for status, targets in ALLOWED_TRANSITIONS.items() if not targets
)


def can_transition(current: str, target: str) -> bool:
    """Whether an order in ``current`` may move to ``target`` (unknown names: False)."""
    try:
        return WorkOrderStatus(target) in ALLOWED_TRANSITIONS[WorkOrderStatus(current)]
    except ValueError:
        return False


# Event notes a caller may hear. Other notes (routing suggestions, internal
# remarks between departments) stay with the centre.
CALLER_VISIBLE_NOTE_ACTIONS = frozenset({"答复"})


class WorkOrderAction(StrEnum):
    """What an event records. Transition actions move the order; the others only note something."""

    REGISTER = "受理"  # the hotline takes the request (creation)
    DISPATCH = "转办"  # the hotline sends it to a department (confirms routing)
    SIGN = "签收"  # the department accepts it and starts work
    RETURN = "退单"  # the department returns it as not its matter, with a reason
    REASSIGN = "改派"  # the hotline sends a returned order to another department
    REPLY = "答复"  # the department (or the hotline) answers the caller
    CALLBACK = "回访"  # the hotline asks the caller about the answer
    REDO = "重办"  # the caller was not satisfied: back to the department
    CLOSE = "办结"  # final
    # Events without a status change.
    EXTENSION_REQUEST = "延期申请"
    EXTENSION_APPROVED = "延期批准"
    EXTENSION_REJECTED = "延期驳回"
    SUPERVISE = "督办"  # a time limit passed
    URGE = "催办"  # the caller asked again
    RATE = "评价"  # the caller's satisfaction score
    NOTE = "备注"
    REDACT = "信息删除"  # the caller's personal data was removed (tombstone; no personal data)


S = WorkOrderStatus
# action -> (states it may start from, state it leads to). Every pair is in ALLOWED_TRANSITIONS
# (a unit test checks it); the lifecycle operations refuse anything else.
TRANSITION_ACTIONS: dict[WorkOrderAction, tuple[frozenset[WorkOrderStatus], WorkOrderStatus]] = {
    WorkOrderAction.DISPATCH: (frozenset({S.ACCEPTED}), S.DISPATCHED),
    WorkOrderAction.SIGN: (frozenset({S.DISPATCHED}), S.IN_PROGRESS),
    WorkOrderAction.RETURN: (frozenset({S.DISPATCHED, S.IN_PROGRESS}), S.RETURNED),
    WorkOrderAction.REASSIGN: (frozenset({S.RETURNED}), S.DISPATCHED),
    WorkOrderAction.REPLY: (frozenset({S.IN_PROGRESS, S.ACCEPTED, S.RETURNED}), S.ANSWERED),
    WorkOrderAction.CALLBACK: (frozenset({S.ANSWERED}), S.REVISITED),
    WorkOrderAction.REDO: (frozenset({S.ANSWERED, S.REVISITED}), S.IN_PROGRESS),
    WorkOrderAction.CLOSE: (frozenset({S.ACCEPTED, S.ANSWERED, S.REVISITED}), S.CLOSED),
}
del S

# While in these states the order runs against its time limit (the department or the centre
# still owes an answer); 督办 applies to them only.
OPEN_STATUSES: frozenset[WorkOrderStatus] = frozenset(
    {WorkOrderStatus.ACCEPTED, WorkOrderStatus.DISPATCHED, WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.RETURNED}
)
