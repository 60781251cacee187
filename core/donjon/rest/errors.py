"""Orthanc-shaped error answers for every exception that reaches the HTTP layer."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, MethodNotAllowedException, NotFoundException

from ..errors import DonjonError, ErrorCode

__all__ = ["error_body", "exception_handlers"]

log = logging.getLogger(__name__)


def error_body(request: Request[Any, Any, Any], code: ErrorCode, http_status: int, details: str, reason: str) -> dict[str, Any]:
    """Orthanc's error JSON (``HttpError``, ``HttpStatus``, ``Message``, ``Method``, ``OrthancError``, ...)."""
    body: dict[str, Any] = {
        "HttpError": reason,
        "HttpStatus": http_status,
        "Message": code.message,
        "Method": request.method,
        "OrthancError": code.message,
        "OrthancStatus": int(code),
        "Uri": request.url.path,
    }
    if details and details != code.message:
        body["Details"] = details
    return body


def _describe(request: Request[Any, Any, Any]) -> bool:
    server = request.app.state.get("server")
    return server is None or server.config.core.http_describe_errors


def _answer(request: Request[Any, Any, Any], code: ErrorCode, status: int, details: str, reason: str) -> Response[Any]:
    if not _describe(request):
        return Response(content=b"", status_code=status)
    return Response(content=error_body(request, code, status, details, reason), status_code=status, media_type="application/json")


def _donjon_error(request: Request[Any, Any, Any], exc: DonjonError) -> Response[Any]:
    if exc.http_status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, exc)
    return _answer(request, exc.code, exc.http_status, exc.details, exc.http_reason)


_HTTP_CODES = {400: ErrorCode.BadRequest, 401: ErrorCode.Unauthorized, 404: ErrorCode.UnknownResource, 405: ErrorCode.BadRequest, 413: ErrorCode.BadRequest, 415: ErrorCode.UnsupportedMediaType}


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if isinstance(exc, NotFoundException) and "Not Found" in str(exc.detail):
        # An unknown URI: Orthanc answers its "Unknown resource" error (17) as JSON.
        return _answer(request, ErrorCode.UnknownResource, 404, "", "Not Found")
    if isinstance(exc, MethodNotAllowedException):
        # Orthanc: 405 with the Allow header (the methods the route serves) and an empty body.
        headers = dict(exc.headers or {})
        allow = headers.get("allow") or headers.get("Allow") or ""
        allowed = [m.strip() for m in allow.split(",") if m.strip() not in ("OPTIONS", "HEAD", "")]
        return Response(content=b"", status_code=405, headers={"Allow": ", ".join(allowed)})
    code = _HTTP_CODES.get(status, ErrorCode.InternalError if status >= 500 else ErrorCode.BadRequest)
    from http import HTTPStatus

    response = _answer(request, code, status, str(exc.detail), HTTPStatus(status).phrase)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("%s %s failed", request.method, request.url.path)
    return _answer(request, ErrorCode.InternalError, 500, f"{type(exc).__name__}: {exc}", "Internal Server Error")


exception_handlers = {DonjonError: _donjon_error, HTTPException: _http_error, Exception: _unexpected}
