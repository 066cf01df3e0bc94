"""Reporting a problem as multipart/form-data with `photo` parts: fields validated first, then the photos
prepared in a worker thread (Pillow, file writes; all or nothing), then the problem and its photo rows saved in
one transaction by app/services/photos.py."""
from typing import Any

from fastapi import Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.api.errors import ErrorBody
from app.api.limits import JSON_BODY_LIMIT
from app.api.routes import content_length, validate
from app.config import get_settings
from app.errors import InvalidInput, PayloadTooLarge
from app.i18n import N_
from app.models.schemas import ProblemLogCreate
from app.services import photos, problem_logs
from app.services.access import Actor
from app.services.problem_logs import Outcome

PHOTO_FIELD = 'photo'
Upload = tuple[bytes, str | None]
PHOTO_QUOTA_RESPONSES: dict[int | str, dict[str, Any]] = {
    429: {'model': ErrorBody, 'description': 'a photo quota is used up (photos per problem, MB per person a day)'},
    507: {'model': ErrorBody, 'description': 'the server is short of disk space; nothing was stored'}}
OPENAPI: dict[str, Any] = {'requestBody': {'required': True, 'content': {
    'application/json': {'schema': {'$ref': '#/components/schemas/ProblemLogCreate'}},
    'multipart/form-data': {'schema': {'$ref': '#/components/schemas/ProblemLogCreateForm'}},
}}}


def form_schema() -> dict[str, Any]:
    """The multipart schema: ProblemLogCreate's fields plus repeated binary `photo` parts."""
    schema = ProblemLogCreate.model_json_schema(ref_template='#/components/schemas/{model}')
    schema.pop('$defs', None)
    schema['title'] = 'ProblemLogCreateForm'
    schema['properties'][PHOTO_FIELD] = {'type': 'array', 'items': {'type': 'string', 'format': 'binary'},
                                         'description': 'an image (JPEG, PNG, HEIC...); repeat the part for several'}
    return schema


async def read(request: Request) -> tuple[ProblemLogCreate, list[Upload]]:
    """The problem's fields and the photos of a multipart body; 400 on bad fields, 413 on oversize photos."""
    settings = get_settings()
    if content_length(request) > settings.max_photo_bytes * settings.max_photos_per_problem + JSON_BODY_LIMIT:
        raise PayloadTooLarge(N_('the upload is too large'))
    # one file more than allowed reaches our count check (429); more parts than that are refused by the parser (400)
    form = await request.form(max_files=settings.max_photos_per_problem + 1, max_fields=40)
    fields: dict[str, str] = {}
    uploads: list[Upload] = []
    try:
        for name, value in form.multi_items():
            if name == PHOTO_FIELD:
                uploads.append(await _photo(value, settings.max_photo_bytes))
            elif isinstance(value, UploadFile):
                raise InvalidInput(f'{name} must be a plain form field, not a file', field=name)
            elif name in fields:
                raise InvalidInput(f'{name} was given more than once', field=name)
            elif value.strip():
                fields[name] = value
    finally:
        await form.close()
    return validate(ProblemLogCreate, fields), uploads


async def _photo(value: UploadFile | str, limit: int) -> Upload:
    if not isinstance(value, UploadFile):
        raise InvalidInput(N_('photo must be a file part'), field=PHOTO_FIELD)
    data = await value.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f'a photo may have at most {limit // (1024 * 1024)} MB')
    if not data:
        raise InvalidInput(N_('the photo is empty'), field=PHOTO_FIELD)
    return data, value.filename


async def prepare_photos(uploads: list[Upload]) -> list[photos.PreparedPhoto]:
    """Check and store each upload (Pillow, files) in a worker thread; nothing for a report without photos."""
    if not uploads:
        return []
    photos.check_count(0, len(uploads))
    return await run_in_threadpool(photos.prepare_all, uploads)  # all or nothing: no orphan files


def report(session: Session, *, actor: Actor, problem_in: ProblemLogCreate,
           prepared: list[photos.PreparedPhoto]) -> Outcome:
    """Save the problem (and its prepared photos in the same transaction)."""
    return problem_logs.report_problem(session, actor=actor, problem_in=problem_in, photos=prepared)
