"""JSON errors with a Chinese message: {"error": code, "message": "…"}."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from tickets.errors import IllegalTransition, InvalidOperation, NotAssigned, TicketError, WorkOrderNotFound

API_PREFIXES = ("/api/department", "/api/agent")


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


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse({"error": error.code, "message": error.message}, error.status, headers=error.headers)

    @app.exception_handler(TicketError)
    async def _ticket_error(request: Request, error: TicketError) -> JSONResponse:
        return JSONResponse({"error": error.code, "message": error.message}, _ticket_status(error))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        if not request.url.path.startswith(API_PREFIXES):
            return await request_validation_exception_handler(request, error)
        problems = "；".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or '请求'}：{e.get('msg', '')}" for e in error.errors()
        )
        return JSONResponse({"error": "invalid_request", "message": f"请求参数不正确（{problems}）。"}, 422)
