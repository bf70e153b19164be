"""Errors raised by the work-order domain code; each carries a Chinese message for people."""

from __future__ import annotations


class TicketError(Exception):
    """Base class: ``message`` is what an agent or a department may read (Simplified Chinese)."""

    code = "ticket_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class WorkOrderNotFound(TicketError, LookupError):
    code = "not_found"

    def __init__(self, number: str) -> None:
        super().__init__(f"没有查到工单{number}，请核对工单号。")
        self.number = number


class IllegalTransition(TicketError):
    """The order's current state does not allow the requested step."""

    code = "illegal_transition"

    def __init__(self, number: str, current: str, target: str, action: str) -> None:
        super().__init__(f"工单{number}当前状态为“{current}”，不能执行“{action}”（转为“{target}”）。")
        self.number, self.current, self.target, self.action = number, current, target, action


class InvalidOperation(TicketError, ValueError):
    """The step is known but its arguments or preconditions are wrong."""

    code = "invalid_operation"


class NotAssigned(TicketError, PermissionError):
    """The acting department is not the one the order is assigned to."""

    code = "not_assigned"

    def __init__(self, number: str, department: str) -> None:
        super().__init__(f"工单{number}不是交办给{department}的，不能办理。")
        self.number, self.department = number, department


def require_text(value: str | None, what: str, max_length: int = 4000) -> str:
    """``value`` stripped; InvalidOperation (in Chinese, naming ``what``) when empty or too long."""
    value = (value or "").strip()
    if not value:
        raise InvalidOperation(f"请填写{what}。")
    if len(value) > max_length:
        raise InvalidOperation(f"{what}过长（最多{max_length}个字符）。")
    return value
