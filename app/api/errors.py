"""One translation of errors to HTTP: domain errors, validation (400, not 422), and unexpected failures.

Under /api/ every answer is JSON in one shape: {"error": {"code", "message", "fields"?}, "request_id"}; other
paths keep the handlers that were installed before (NiceGUI's HTML pages).
"""
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import i18n
from app.errors import (
    Conflict,
    DomainError,
    InsufficientStorage,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    QuotaExceeded,
    TooManyRequests,
)

logger = logging.getLogger(__name__)
API_PREFIX = '/api/'
STATUS = {InvalidInput: 400, NotAuthenticated: 401, PermissionDenied: 403, NotFound: 404, Conflict: 409,
          PayloadTooLarge: 413, TooManyRequests: 429, QuotaExceeded: 429, InsufficientStorage: 507}
CODES = {400: 'invalid_input', 401: 'not_authenticated', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed',
         409: 'conflict', 413: 'payload_too_large', 415: 'unsupported_media_type', 429: 'too_many_requests',
         500: 'internal_error', 507: 'insufficient_storage'}
Handler = Callable[[Request, Exception], Awaitable[Response]]


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorBody(BaseModel):
    """Every error answer of the API."""

    error: ErrorDetail
    request_id: str | None = None


def error_body(status: int, message: str, fields: dict[str, str] | None = None,
               request_id: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {'error': {'code': CODES.get(status, 'error'), 'message': message}}
    if fields:
        body['error']['fields'] = fields  # type: ignore[index]
    if request_id:
        body['request_id'] = request_id
    return body


def request_id(request: Request) -> str:
    rid = getattr(request.state, 'request_id', None)
    return rid or uuid.uuid4().hex


def error_response(request: Request, status: int, message: str, fields: dict[str, str] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message, fields, request_id(request)), status, headers=headers)


async def domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
    retry_after = getattr(exc, 'retry_after', None) if isinstance(exc, TooManyRequests | QuotaExceeded) else None
    headers = {'Retry-After': str(retry_after)} if retry_after is not None else None
    if isinstance(exc, NotAuthenticated):
        headers = {'WWW-Authenticate': 'Bearer'}
    with i18n.language(caller_language(request)):
        message = exc.message
        fields = getattr(exc, 'fields', None) or ({exc.field: message} if exc.field else None)
    return error_response(request, status, message, fields, headers)


def caller_language(request: Request) -> str:
    """The language of an error's words: the caller's own choice, else the request's Accept-Language, else the
    plant default. Codes, field names and values stay as they are."""
    return i18n.resolve(getattr(request.state, 'language', None),
                        i18n.negotiate(request.headers.get('accept-language')))


def validation_fields(errors: Any) -> dict[str, str]:
    """{"field.path": "message"} from pydantic/FastAPI error lists (location prefixes dropped)."""
    fields: dict[str, str] = {}
    for err in errors:
        loc = [str(part) for part in err.get('loc', ()) if part not in ('body', 'query', 'path', 'header')]
        fields.setdefault('.'.join(loc) or 'body', str(err.get('msg', 'invalid')))
    return fields


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = validation_fields(exc.errors())
    return error_response(request, 400, 'invalid input: ' + ', '.join(sorted(fields)), fields)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else CODES.get(exc.status_code, 'error')
    if exc.status_code == 404 and detail == 'Not Found':
        detail = f'no such API resource: {request.method} {request.url.path}'
    return error_response(request, exc.status_code, detail, None, getattr(exc, 'headers', None))


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    rid = request_id(request)
    logger.error('unexpected error in %s %s (request %s)', request.method, request.url.path, rid, exc_info=exc)
    return JSONResponse(error_body(500, 'unexpected server error; quote the request id when reporting it',
                                   None, rid), 500)


def _api_only(handler: Handler, previous: Handler | None) -> Handler:
    """Our JSON handler under /api/, the previously installed one (NiceGUI's pages) elsewhere.

    Installing twice (main.py runs once per test) wraps the original handler, never our own wrapper again.
    """
    previous = getattr(previous, 'ctp_previous', previous)

    async def dispatch(request: Request, exc: Exception) -> Response:
        if previous is None or request.url.path.startswith(API_PREFIX):
            return await handler(request, exc)
        return await previous(request, exc)
    dispatch.ctp_previous = previous  # type: ignore[attr-defined]
    return dispatch


class UnexpectedErrorMiddleware:
    """Turns an unexpected failure under /api/ into a logged 500 JSON answer with the request id (set by the
    outer RequestIdMiddleware) instead of a bare crash."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message['type'] == 'http.response.start'
            await send(message)
        try:
            await self.app(scope, receive, watch)
        except Exception as exc:  # noqa: BLE001 - the one place that answers for every unexpected failure
            if started or not scope['path'].startswith(API_PREFIX):
                raise
            response = await unexpected_error(Request(scope), exc)
            await response(scope, receive, send)


def install(app: FastAPI) -> None:
    """Register the handlers (keeping NiceGUI's outside /api/) and the unexpected-error middleware."""
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    for key in (404, 405, StarletteHTTPException):
        app.add_exception_handler(key, _api_only(http_error, app.exception_handlers.get(key)))  # type: ignore[arg-type]
    app.add_middleware(UnexpectedErrorMiddleware)
