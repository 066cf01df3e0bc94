"""Photos: the authorized file route (/photos/{id}, /photos/{id}/thumb) and adding/removing photos of a problem."""
from typing import Annotated

from fastapi import APIRouter, Form, Response, UploadFile
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from app import photo_store
from app.api.deps import CurrentActor, CurrentViewer
from app.api.routes import PathId, in_read_session, in_session, report_form
from app.config import get_settings
from app.errors import NotFound, PayloadTooLarge
from app.i18n import N_
from app.models import PhotoKind
from app.models.schemas import PhotoPublic
from app.services import photos, problem_public
from app.services.access import Actor
from app.services.photos import PreparedPhoto

router = APIRouter(tags=['photos'])
NO_STORE = 'private, no-store'   # a photo may show a person or a screen: no copy in any cache (SECURITY.md U6)


@router.get('/photos/{photo_id:int}', response_class=FileResponse)
async def photo(photo_id: PathId, actor: CurrentViewer) -> Response:
    """The photo (a clean JPEG, or PNG for a PNG upload) if the caller may see its problem's machine; 404 otherwise."""
    return await _serve(photo_id, actor, thumb=False)


@router.get('/photos/{photo_id:int}/thumb', response_class=FileResponse)
async def photo_thumbnail(photo_id: PathId, actor: CurrentViewer) -> Response:
    """The ~400 px thumbnail of a photo, with the same authorization."""
    return await _serve(photo_id, actor, thumb=True)


async def _serve(photo_id: int, actor: Actor, *, thumb: bool) -> Response:
    served = await in_read_session(lambda s: photos.photo_for_viewing(s, actor=actor, photo_id=photo_id, thumb=thumb))
    store = photo_store.get_store()
    path = store.local_path(served.name)
    if path is None or not path.is_file():
        raise NotFound(N_('photo {id} not found'), id=photo_id)
    headers = {'X-Content-Type-Options': 'nosniff', 'Cache-Control': NO_STORE,
               'Content-Security-Policy': "default-src 'none'; sandbox",
               'Content-Disposition': f'inline; filename="{served.filename}"', 'ETag': f'"{served.etag}"'}
    return FileResponse(path, media_type=served.media_type, headers=headers)


@router.post('/api/ctp-problem-logs/{log_id}/photos', response_model=list[PhotoPublic], status_code=201,
             responses=report_form.PHOTO_QUOTA_RESPONSES)
async def add_photos(log_id: PathId, actor: CurrentActor, photo: list[UploadFile],
                     kind: Annotated[PhotoKind, Form()] = PhotoKind.BEFORE) -> list[PhotoPublic]:
    """Add photos (repeated multipart `photo` parts; `kind` before/after) to a problem the caller may edit."""
    await in_session(lambda s: photos.check_can_attach(s, actor=actor, log_id=log_id, count=len(photo)))
    prepared = await prepare_uploads(photo)
    rows = await in_session(lambda s: photos.attach_photos(s, actor=actor, log_id=log_id, prepared=prepared,
                                                           kind=kind))
    return [PhotoPublic(id=row.id, kind=row.kind, url=problem_public.photo_url(row.id),  # type: ignore[arg-type]
                        thumb_url=problem_public.photo_url(row.id, thumb=True),  # type: ignore[arg-type]
                        original_name=row.original_name, width=row.width, height=row.height,
                        created_at=row.created_at) for row in rows]


@router.delete('/api/ctp-problem-logs/{log_id}/photos/{photo_id}', status_code=204)
async def remove_photo(log_id: PathId, photo_id: PathId, actor: CurrentActor) -> Response:
    """Remove a photo (and its files) from a problem the caller may edit."""
    await in_session(lambda s: photos.delete_photo(s, actor=actor, photo_id=photo_id, log_id=log_id))
    return Response(status_code=204)


async def read_upload(upload: UploadFile) -> bytes:
    """The bytes of one multipart part, refusing it (413) as soon as it passes the per-photo cap."""
    limit = get_settings().max_photo_bytes
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f'a photo may be at most {limit // (1024 * 1024)} MB', field='photo')
    return data


async def prepare_uploads(uploads: list[UploadFile]) -> list[PreparedPhoto]:
    """Read and process multipart photo parts in a worker thread; nothing stays stored if one is refused.

    For the API engineer's multipart POST /api/ctp-problem-logs: `prepared = await prepare_uploads(parts)`, then
    `problem_logs.report_problem(session, actor=..., problem_in=..., photos=prepared)` inside `in_session`.
    """
    photos.check_count(0, len(uploads))
    prepared: list[PreparedPhoto] = []
    try:
        for upload in uploads:   # one at a time: at most one photo's bytes in memory
            data = await read_upload(upload)
            prepared.append(await run_in_threadpool(photos.prepare_photo, data, upload.filename))
    except BaseException:
        await run_in_threadpool(photos.discard, prepared)
        raise
    return prepared
