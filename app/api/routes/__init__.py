"""Routers on the design's paths, and what they share: short sessions in worker threads, body rules."""
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Path, Query, Request
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response

from app.api.deps import Caller
from app.api.errors import validation_fields
from app.api.limits import JSON_BODY_LIMIT
from app.db import read_session, session_scope
from app.errors import InvalidInput, PayloadTooLarge
from app.i18n import N_
from app.models.schemas import MAX_ID
from app.services.access import Actor

T = TypeVar('T')
M = TypeVar('M', bound=BaseModel)
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
SearchText = Annotated[str | None, Query(max_length=200, pattern=r'^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$',
                                         description='words in description or solution')]


async def in_session(work: Callable[[Session], T]) -> T:
    """Run `work(session)` in a worker thread with its own short session (never blocks the event loop)."""
    def run() -> T:
        with session_scope() as session:
            return work(session)
    return await run_in_threadpool(run)


async def in_read_session(work: Callable[[Session], T]) -> T:
    """Like in_session for reads only: on SQLite it does not take the write lock."""
    def run() -> T:
        with read_session() as session:
            return work(session)
    return await run_in_threadpool(run)


async def read_as(caller: Caller, work: Callable[[Session, Actor], T]) -> T:
    """A read as the caller: the caller's rights are checked in the same worker-thread hop and read transaction."""
    def run() -> T:
        with read_session() as session:
            return work(session, caller.actor(session))
    return await run_in_threadpool(run)


async def write_as(caller: Caller, work: Callable[[Session, Actor], T]) -> T:
    """A change as the caller: the caller's rights are read in the change's own transaction (one worker-thread hop
    and one transaction per request instead of a read and then a write), as a page's save does (`acting_as`)."""
    def run() -> T:
        with session_scope() as session:
            return work(session, caller.actor(session))
    return await run_in_threadpool(run)


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """A model that services built (and so validated) serialized once, skipping FastAPI's second validation."""
    return Response(model.model_dump_json(), status_code, media_type='application/json')


def media_type(request: Request) -> str:
    return request.headers.get('content-type', '').split(';')[0].strip().lower()


def content_length(request: Request) -> int:
    try:
        return int(request.headers.get('content-length', '0'))
    except ValueError as error:
        raise InvalidInput(N_('Content-Length must be a number'), field='content-length') from error


async def json_body(request: Request) -> None:
    """Dependency of JSON endpoints: 415 without application/json, 413 over 64 KB."""
    kind = media_type(request)
    if kind != 'application/json' and not kind.endswith('+json'):
        raise HTTPException(415, 'send the body as application/json')
    if content_length(request) > JSON_BODY_LIMIT:
        raise PayloadTooLarge(f'the JSON body is limited to {JSON_BODY_LIMIT // 1024} KB')


async def read_json_model(request: Request, model: type[M]) -> M:
    """Parse a JSON body into `model` by hand (for endpoints that also take other media types)."""
    await json_body(request)
    raw = await request.body()
    if len(raw) > JSON_BODY_LIMIT:
        raise PayloadTooLarge(f'the JSON body is limited to {JSON_BODY_LIMIT // 1024} KB')
    return validate(model, raw)


def validate(model: type[M], data: bytes | dict[str, Any]) -> M:
    """`model` from JSON bytes or a dict; failures are 400 naming each field (like FastAPI's own bodies)."""
    try:
        if isinstance(data, bytes):
            return model.model_validate_json(data)
        return model.model_validate(data)
    except ValidationError as error:
        fields = validation_fields(error.errors(include_url=False))
        raise BadFields(fields) from error


class BadFields(InvalidInput):
    """A 400 that names several fields at once."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__('invalid input: ' + ', '.join(sorted(fields)), field=next(iter(sorted(fields)), None))
        self.fields = fields
