"""Problem photos: the rows of a problem's photos (quotas, adding them in a transaction, attach, delete, serve).

The files come from photo_uploads (prepared before the transaction, settled or discarded after it); a new report's
photos are written by problem_logs.report_problem in its own transaction. Deleting a photo or a problem removes its
files after the commit; photo_sweep removes the files nobody names.
"""
import logging
import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from app import events, photo_store
from app.config import get_settings
from app.db import rolls_back, select_rows
from app.errors import InvalidInput, NotFound, QuotaExceeded
from app.i18n import N_
from app.models import AuditAction, PhotoKind, ProblemPhoto, utcnow
from app.services import audit
from app.services.access import (
    Action,
    Actor,
    require,
    require_log_editable,
    require_log_visible,
    require_log_workable,
    require_machine_visible,
)
from app.services.photo_uploads import MB, PreparedPhoto, discard, prepare_all, prepare_photo, settle

__all__ = ['PreparedPhoto', 'ServedPhoto', 'add_photos', 'attach_photos', 'check_can_attach', 'check_can_report',
           'check_count', 'check_day_bytes', 'delete_photo', 'detach_all', 'discard', 'photo_for_viewing',
           'prepare_all', 'prepare_photo', 'remove_files', 'settle']  # the upload names stay importable from here

logger = logging.getLogger(__name__)
QUOTA_WINDOW = timedelta(hours=24)   # CTP_MAX_PHOTO_BYTES_PER_USER_DAY counts the stored bytes of this window


@dataclass(frozen=True)
class ServedPhoto:
    """What the photo route sends: the stored file's name and a safe download name."""

    name: str
    filename: str
    etag: str
    media_type: str


def check_count(existing: int, adding: int) -> None:
    """429 when a problem with `existing` photos would get more than CTP_MAX_PHOTOS_PER_PROBLEM."""
    limit = get_settings().max_photos_per_problem
    if existing + adding > limit:
        left = max(0, limit - existing)
        template = N_('a problem can have at most 1 photo; {left} more can be added') if limit == 1 \
            else N_('a problem can have at most {limit} photos; {left} more can be added')
        raise QuotaExceeded(template, field='photo', limit=limit, left=left)


def check_day_bytes(session: Session, user_id: int | None, adding: int = 0) -> None:
    """429 when the user's photos of the last 24 hours plus `adding` bytes pass CTP_MAX_PHOTO_BYTES_PER_USER_DAY
    (with `adding` 0: when the quota is already used up), with the seconds until enough leaves the window."""
    if user_id is None:
        return
    limit, now = get_settings().max_photo_bytes_per_user_day, utcnow()
    recent = select_rows(session, select(col(ProblemPhoto.created_at), col(ProblemPhoto.size_bytes)).where(
        col(ProblemPhoto.created_by) == user_id, col(ProblemPhoto.created_at) > now - QUOTA_WINDOW)
        .order_by(col(ProblemPhoto.created_at))).all()
    used = sum(size for _, size in recent)
    if (used + adding <= limit) if adding else (used < limit):
        return
    retry_after = None
    for at, size in recent:   # the oldest uploads leave the window first
        used -= size
        if (used + adding <= limit) if adding else (used < limit):
            retry_after = max(1, math.ceil((at + QUOTA_WINDOW - now).total_seconds()))
            break
    raise QuotaExceeded(N_('photo upload limit reached: at most {megabytes} MB of photos per person in 24 hours; '
                           'try again later'), field='photo', retry_after=retry_after, megabytes=limit // MB)


def check_can_report(session: Session, *, actor: Actor, count: int, machine_id: int | None = None) -> None:
    """Fail fast (403/404/429) before the photos of a new report are processed (on `machine_id`, when known)."""
    require(actor, Action.REPORT)
    if machine_id is not None:
        require_machine_visible(session, actor, machine_id)
    check_count(0, count)
    check_day_bytes(session, actor.user_id)


def _kind(kind: str) -> PhotoKind:
    try:
        return PhotoKind(kind)
    except ValueError as error:
        raise InvalidInput(N_('kind must be "before" or "after"'), field='kind') from error


def add_photos(session: Session, actor: Actor, log_id: int, prepared: list[PreparedPhoto],
               kind: PhotoKind) -> list[ProblemPhoto]:
    """Add the rows (and audit entries) of prepared photos to the caller's transaction."""
    rows = [ProblemPhoto(log_id=log_id, stored_name=p.stored_name, thumb_name=p.thumb_name, sha256=p.sha256,
                         kind=kind, original_name=p.original_name, width=p.width, height=p.height,
                         size_bytes=p.size_bytes, created_by=actor.user_id, created_at=utcnow()) for p in prepared]
    session.add_all(rows)
    for photo in prepared:
        audit.record(session, log_id=log_id, actor_id=actor.user_id, action=AuditAction.PHOTO_ADDED,
                     field='photo', new=photo.original_name or photo.stored_name)
    return rows


def check_can_attach(session: Session, *, actor: Actor, log_id: int, count: int) -> None:
    """Fail fast (404/403/429) before any upload is processed: may this actor add `count` photos here?"""
    require_log_workable(session, actor, log_id)
    check_count(_count(session, log_id), count)
    check_day_bytes(session, actor.user_id)


def _count(session: Session, log_id: int) -> int:
    rows = select_rows(session, select(col(ProblemPhoto.id)).where(col(ProblemPhoto.log_id) == log_id)).scalars()
    return len(list(rows))


@rolls_back
def attach_photos(session: Session, *, actor: Actor, log_id: int, prepared: list[PreparedPhoto],
                  kind: str = 'before') -> list[ProblemPhoto]:
    """Add photos to a problem the actor may work on (at most CTP_MAX_PHOTOS_PER_PROBLEM); files go on failure."""
    try:
        photo_kind = _kind(kind)
        require_log_workable(session, actor, log_id)
        check_count(_count(session, log_id), len(prepared))
        check_day_bytes(session, actor.user_id, sum(photo.size_bytes for photo in prepared))
        rows = add_photos(session, actor, log_id, prepared, photo_kind)
        session.commit()
    except BaseException:
        discard(prepared)
        raise
    settle(prepared)
    events.publish(events.problem_log_changed, log_id)
    return rows


@rolls_back
def delete_photo(session: Session, *, actor: Actor, photo_id: int, log_id: int | None = None) -> None:
    """Remove a photo of a problem the actor may edit: the row, an audit entry, then its files."""
    photo = session.get(ProblemPhoto, photo_id)
    if photo is None or (log_id is not None and photo.log_id != log_id):
        raise NotFound(N_('photo {id} not found'), id=photo_id)
    require_log_editable(session, actor, photo.log_id)
    names = [photo.stored_name, photo.thumb_name]
    audit.record(session, log_id=photo.log_id, actor_id=actor.user_id, action=AuditAction.PHOTO_REMOVED,
                 field='photo', old=photo.original_name or photo.stored_name)
    session.delete(photo)
    session.commit()
    photo_store.remove_quietly(photo_store.get_store(), names)
    events.publish(events.problem_log_changed, photo.log_id)


def detach_all(session: Session, *, actor_id: int | None, log_id: int) -> list[str]:
    """Inside a caller's transaction (deleting a problem): drop the photo rows; returns the file names to remove
    with `remove_files` once the transaction is committed."""
    names: list[str] = []
    for photo in select_rows(session, select(ProblemPhoto).where(col(ProblemPhoto.log_id) == log_id)).scalars().all():
        names += [photo.stored_name, photo.thumb_name]
        audit.record(session, log_id=log_id, actor_id=actor_id, action=AuditAction.PHOTO_REMOVED,
                     field='photo', old=photo.original_name or photo.stored_name)
        session.delete(photo)
    return names


def remove_files(names: list[str]) -> None:
    photo_store.remove_quietly(photo_store.get_store(), names)


def photo_for_viewing(session: Session, *, actor: Actor, photo_id: int, thumb: bool = False) -> ServedPhoto:
    """The file of a photo whose problem the actor may see (displays included); 404 otherwise."""
    photo = session.get(ProblemPhoto, photo_id)
    if photo is None:
        raise NotFound(N_('photo {id} not found'), id=photo_id)
    require_log_visible(session, actor, photo.log_id)
    suffix = '-thumb' if thumb else ''
    name = photo.thumb_name if thumb else photo.stored_name
    extension = name.rsplit('.', 1)[-1]
    return ServedPhoto(name=name, filename=f'problem-{photo.log_id}-photo-{photo_id}{suffix}.{extension}',
                       etag=photo.sha256[:32] + suffix, media_type=photo_store.media_type(name))


