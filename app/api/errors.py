"""One translation of errors to HTTP: domain errors, validation (400, not 422), and unexpected failures."""
import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    TooManyRequests,
)

logger = logging.getLogger(__name__)
STATUS = {InvalidInput: 400, NotAuthenticated: 401, PermissionDenied: 403, NotFound: 404, Conflict: 409,
          PayloadTooLarge: 413, TooManyRequests: 429}
CODES = {400: 'invalid_input', 401: 'not_authenticated', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed',
         409: 'conflict', 413: 'payload_too_large', 415: 'unsupported_media_type', 429: 'too_many_requests',
         500: 'internal_error'}
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    code: {'description': CODES[code].replace('_', ' '), 'model': None} for code in (400, 401, 403, 404)}


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


async def domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
    headers = {'Retry-After': str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
    if isinstance(exc, NotAuthenticated):
        headers = {'WWW-Authenticate': 'Bearer'}
    fields = {exc.field: exc.message} if exc.field else None
    return JSONResponse(error_body(status, exc.message, fields, request_id(request)), status, headers=headers)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(part) for part in err.get('loc', ()) if part not in ('body', 'query', 'path', 'header')]
        fields['.'.join(loc) or 'body'] = str(err.get('msg', 'invalid'))
    message = 'invalid input: ' + ', '.join(sorted(fields))
    return JSONResponse(error_body(400, message, fields, request_id(request)), 400)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else CODES.get(exc.status_code, 'error')
    return JSONResponse(error_body(exc.status_code, detail, None, request_id(request)), exc.status_code,
                        headers=getattr(exc, 'headers', None))


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    rid = request_id(request)
    logger.error('unexpected error in %s %s (request %s)', request.method, request.url.path, rid, exc_info=exc)
    return JSONResponse(error_body(500, 'unexpected server error; quote the request id when reporting it',
                                   None, rid), 500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
