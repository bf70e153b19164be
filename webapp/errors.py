"""JSON errors with a Chinese message, for every path: {"error": code, "message": "…"}.

No error echoes what the client sent (a 200 MB body once came back as a 200 MB 422) and none
carries a stack trace; the trace goes to the masked log instead.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from tickets.errors import IllegalTransition, InvalidOperation, NotAssigned, TicketError, WorkOrderNotFound

log = logging.getLogger(__name__)
INTERNAL = "服务暂时出现问题，请稍后再试，或直接拨打12345。"
_HTTP_MESSAGES = {
    400: ("bad_request", "请求格式不正确。"),
    401: ("unauthorized", "缺少或无效的访问令牌。"),
    403: ("forbidden", "无权访问。"),
    404: ("not_found", "您访问的内容不存在。"),
    405: ("method_not_allowed", "不支持此请求方法。"),
    413: ("payload_too_large", "请求内容过大，请精简后再试。"),
    415: ("unsupported_media_type", "请以 JSON 格式发送请求。"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试。"),
    503: ("unavailable", INTERNAL),
}
_MAX_PROBLEMS = 5


class ErrorOut(BaseModel):
    error: str
    message: str


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


_STATUS = {WorkOrderNotFound: 404, NotAssigned: 403, IllegalTransition: 409, InvalidOperation: 422}


def _ticket_status(error: TicketError) -> int:
    for kind, status in _STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


def _problem(error: dict) -> str:
    """One validation problem by field and kind, never with the rejected value."""
    location = [str(part) for part in error.get("loc", ())[1:] if isinstance(part, (str, int))]
    field = ".".join(location)[:60] or "请求"
    kind = str(error.get("type", ""))
    if kind.startswith("json") or kind == "model_attributes_type":
        return "请求体须为 JSON 对象"
    if kind == "string_unicode":
        return f"{field}：含有无法识别的字符"
    if kind == "missing":
        return f"{field}：缺少此项"
    if kind in ("string_too_long", "too_long"):
        return f"{field}：内容过长"
    if kind in ("string_too_short", "too_short", "value_error"):
        return f"{field}：不能为空或格式不正确"
    return f"{field}：格式不正确"


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.code, error.message, error.headers)

    @app.exception_handler(TicketError)
    async def _ticket_error(request: Request, error: TicketError) -> JSONResponse:
        return error_response(_ticket_status(error), error.code, error.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = list(dict.fromkeys(_problem(e) for e in error.errors()))[:_MAX_PROBLEMS]
        return error_response(422, "invalid_request", f"请求参数不正确（{'；'.join(problems)}）。")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code, message = _HTTP_MESSAGES.get(error.status_code, ("error", "请求未能完成。"))
        return error_response(error.status_code, code, message, getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
        return error_response(500, "internal_error", INTERNAL)
