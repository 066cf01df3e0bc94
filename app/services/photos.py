"""Problem photos: prepare uploads (off the event loop), attach them in the problem's transaction, serve, delete, sweep.

Lifecycle of a photo: `prepare_photo` validates and re-encodes the upload, records a pending-upload marker
(app/photo_pending.py) and writes the files (worker thread) -> `report_with_photos` / `attach_photos` insert the
rows and commit (files first, rows second), then drop the marker -> on any failure the files of the prepared photos
are removed and the marker dropped (`discard`). Deleting a photo or a problem removes its files after the commit.
`sweep_orphans` (at start-up) removes at once the files of uploads whose process died before the commit (SIGKILL
included), removes files that no row and no marker names once older than a grace period, and reports rows whose
file is missing; `reclaim_now` (every minute) does the first part only. Neither removes a file a row points to.
"""
from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import event, select
from sqlmodel import Session

from app import events, photo_pending, photo_store
from app.config import get_settings
from app.db import read_session, rolls_back
from app.errors import InsufficientStorage, InvalidInput, NotFound, QuotaExceeded
from app.i18n import N_
from app.models import AuditAction, CTPProblemLog, PhotoKind, ProblemPhoto, utcnow
from app.models.schemas import ProblemLogCreate
from app.services import audit, problem_logs
from app.services.access import (
    Action,
    Actor,
    require,
    require_log_editable,
    require_log_visible,
    require_log_workable,
    require_machine_visible,
)

logger = logging.getLogger(__name__)
QUOTA_WINDOW = timedelta(hours=24)   # CTP_MAX_PHOTO_BYTES_PER_USER_DAY counts the stored bytes of this window
MB = 1024 * 1024
SWEEP_GRACE_SECONDS = 600.0   # files without row or marker younger than this may be a write just starting


@dataclass(frozen=True)
class PreparedPhoto:
    """A processed upload whose files exist in the store but that no row points to yet."""

    stored_name: str
    thumb_name: str
    sha256: str
    width: int
    height: int
    size_bytes: int
    original_name: str | None
    thumb_jpeg: bytes = field(repr=False)   # for previews before the photo has a URL
    marker: str = ''                          # the pending-upload marker naming the files until the commit


@dataclass(frozen=True)
class ServedPhoto:
    """What the photo route sends: the stored file's name and a safe download name."""

    name: str
    filename: str
    etag: str
    media_type: str


@dataclass
class SweepReport:
    removed_files: list[str] = field(default_factory=list)
    rows_without_file: list[int] = field(default_factory=list)


def prepare_photo(data: bytes, original_name: str | None) -> PreparedPhoto:
    """Validate and re-encode one upload and write its files (blocking: call it in a worker thread).

    Raises InvalidInput (400) for anything that is not a safe photo and PayloadTooLarge (413) over the byte cap;
    nothing is stored then. The caller owns the result: commit it with `report_with_photos`/`attach_photos`
    (which discard it on failure) or call `discard`.
    """
    image = photo_store.process_niced(data)   # a refused upload creates nothing, not even the folder
    store = photo_store.get_store()
    _check_free_disk(store, len(image.full) + len(image.thumb))
    stored, thumb = photo_store.new_name(image.extension), photo_store.new_name()
    pending = photo_pending.get_pending()
    marker = pending.begin([stored, thumb])   # before the files: a crash from here on is found by the sweeper
    try:
        store.put(stored, image.full)
        store.put(thumb, image.thumb)
    except BaseException:
        photo_store.remove_quietly(store, [stored, thumb])
        pending.end(marker)
        raise
    return PreparedPhoto(stored_name=stored, thumb_name=thumb, sha256=hashlib.sha256(image.full).hexdigest(),
                         width=image.width, height=image.height, size_bytes=len(image.full),
                         original_name=photo_store.display_name(original_name), thumb_jpeg=image.thumb,
                         marker=marker)


def prepare_all(uploads: Iterable[tuple[bytes, str | None]]) -> list[PreparedPhoto]:
    """Prepare several uploads; if one is refused, the ones already prepared are discarded and the error raised."""
    prepared: list[PreparedPhoto] = []
    try:
        for data, name in uploads:
            prepared.append(prepare_photo(data, name))
    except BaseException:
        discard(prepared)
        raise
    return prepared


def discard(prepared: Iterable[PreparedPhoto]) -> None:
    """Remove the files of prepared photos that were never committed (then their markers)."""
    prepared = list(prepared)
    photo_store.remove_quietly(photo_store.get_store(),
                               [name for photo in prepared for name in (photo.stored_name, photo.thumb_name)])
    _settle(prepared)


def _settle(prepared: Iterable[PreparedPhoto]) -> None:
    """The rows of these photos are committed (or their files removed): drop their pending markers."""
    pending = photo_pending.get_pending()
    for photo in prepared:
        if photo.marker:
            pending.end(photo.marker)


def _check_free_disk(store: photo_store.PhotoStore, adding: int) -> None:
    """507 while writing `adding` bytes would leave less than CTP_MIN_FREE_DISK_MB free (nothing is stored)."""
    free, floor = store.free_bytes(), get_settings().min_free_disk_mb * MB
    if free is not None and free - adding < floor:
        logger.warning('photo refused: %d MB free on the photo disk, the floor is %d MB', free // MB, floor // MB)
        raise InsufficientStorage(N_('the server is short of disk space, so the photo was not stored; '
                                  'please tell an administrator'), field='photo')


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
    recent = session.exec(select(ProblemPhoto.created_at, ProblemPhoto.size_bytes).where(
        ProblemPhoto.created_by == user_id, ProblemPhoto.created_at > now - QUOTA_WINDOW)
        .order_by(ProblemPhoto.created_at)).all()
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


def _rows(session: Session, actor: Actor, log_id: int, prepared: list[PreparedPhoto],
          kind: PhotoKind) -> list[ProblemPhoto]:
    rows = [ProblemPhoto(log_id=log_id, stored_name=p.stored_name, thumb_name=p.thumb_name, sha256=p.sha256,
                         kind=kind, original_name=p.original_name, width=p.width, height=p.height,
                         size_bytes=p.size_bytes, created_by=actor.user_id, created_at=utcnow()) for p in prepared]
    session.add_all(rows)
    for photo in prepared:
        audit.record(session, log_id=log_id, actor_id=actor.user_id, action=AuditAction.PHOTO_ADDED,
                     field='photo', new=photo.original_name or photo.stored_name)
    return rows


@rolls_back
def report_with_photos(session: Session, *, actor: Actor, problem_in: ProblemLogCreate,
                       prepared: list[PreparedPhoto]) -> problem_logs.Outcome:
    """Report a problem and its photos in one transaction; on any failure (or a replayed key) the files go."""
    try:
        check_count(0, len(prepared))
        check_day_bytes(session, actor.user_id, sum(photo.size_bytes for photo in prepared))
        with _photos_join_commit(session, actor, prepared):
            outcome = problem_logs.report_problem(session, actor=actor, problem_in=problem_in)
    except BaseException:
        discard(prepared)
        raise
    if not outcome.created:
        discard(prepared)   # a replayed key: the first request's photos are the problem's photos
    else:
        _settle(prepared)
    return outcome


@contextmanager
def _photos_join_commit(session: Session, actor: Actor, prepared: list[PreparedPhoto]) -> Iterator[None]:
    """Add the photo rows (and audit entries) to the commit that creates the problem log, inside its transaction."""
    created: list[CTPProblemLog] = []

    def on_persistent(_session: Session, instance: object) -> None:
        if isinstance(instance, CTPProblemLog):
            created.append(instance)

    def before_commit(sess: Session) -> None:
        if prepared and len(created) == 1:
            _rows(sess, actor, created.pop().id, prepared, PhotoKind.BEFORE)  # type: ignore[arg-type]

    event.listen(session, 'pending_to_persistent', on_persistent)
    event.listen(session, 'before_commit', before_commit)
    try:
        yield
    finally:
        event.remove(session, 'pending_to_persistent', on_persistent)
        event.remove(session, 'before_commit', before_commit)


def check_can_attach(session: Session, *, actor: Actor, log_id: int, count: int) -> None:
    """Fail fast (404/403/429) before any upload is processed: may this actor add `count` photos here?"""
    require_log_workable(session, actor, log_id)
    check_count(_count(session, log_id), count)
    check_day_bytes(session, actor.user_id)


def _count(session: Session, log_id: int) -> int:
    rows = session.exec(select(ProblemPhoto.id).where(ProblemPhoto.log_id == log_id)).scalars()
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
        rows = _rows(session, actor, log_id, prepared, photo_kind)
        session.commit()
    except BaseException:
        discard(prepared)
        raise
    _settle(prepared)
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
    for photo in session.exec(select(ProblemPhoto).where(ProblemPhoto.log_id == log_id)).scalars().all():
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


def sweep_orphans(session: Session, store: photo_store.PhotoStore, grace_seconds: float = SWEEP_GRACE_SECONDS,
                  pending: photo_pending.PendingUploads | None = None) -> SweepReport:
    """Remove the files of crashed uploads (at once) and files nobody names (after the grace period); report rows
    whose file is missing. A file a row points to, or a live upload's marker names, is never removed."""
    pending = pending or photo_pending.get_pending()
    report = SweepReport()
    _reclaim_crashed(session, store, pending, report)
    candidates = list(store.names(older_than=grace_seconds))
    in_flight = pending.live_names()        # read before the rows: a marker goes only after its row is committed
    in_flight |= {photo_store.TEMP_PREFIX + name for name in in_flight}
    session.rollback()                      # a fresh transaction sees every row committed before that read
    known: set[str] = set()
    for photo in session.exec(select(ProblemPhoto)).scalars():
        known |= {photo.stored_name, photo.thumb_name}
        if not store.exists(photo.stored_name) or not store.exists(photo.thumb_name):
            report.rows_without_file.append(photo.id)  # type: ignore[arg-type]
    for name in candidates:
        if name not in known and name not in in_flight:
            _remove(store, name)
            report.removed_files.append(name)
    if report.removed_files or report.rows_without_file:
        logger.warning('photo sweep: removed %d orphan file(s); photo rows without a file: %s',
                       len(report.removed_files), report.rows_without_file or 'none')
    return report


def _reclaim_crashed(session: Session, store: photo_store.PhotoStore, pending: photo_pending.PendingUploads,
                     report: SweepReport) -> None:
    """The files of uploads whose process died between writing them and committing their rows."""
    with pending.abandoned() as crashed:
        names = {name for upload in crashed for name in upload.names if photo_store.NAME_PATTERN.fullmatch(name)}
        if not names:
            return
        session.rollback()
        committed = set(session.exec(select(ProblemPhoto.stored_name).where(ProblemPhoto.stored_name.in_(names))
                                     ).scalars())
        committed |= set(session.exec(select(ProblemPhoto.thumb_name).where(ProblemPhoto.thumb_name.in_(names))
                                      ).scalars())
        present = set(store.names())
        for name in sorted(names - committed):
            for leftover in (name, photo_store.TEMP_PREFIX + name):
                if leftover in present:
                    _remove(store, leftover)
                    report.removed_files.append(leftover)


def _remove(store: photo_store.PhotoStore, name: str) -> None:
    if photo_store.NAME_PATTERN.fullmatch(name):
        store.delete(name)
    else:
        store.remove_partial(name)


def sweep_now() -> SweepReport:
    """The start-up sweep over the configured store (blocking: run it in a worker thread). Reads the database only."""
    with read_session() as session:
        return sweep_orphans(session, photo_store.get_store())


def reclaim_now() -> SweepReport:
    """The periodic part: only the files of uploads whose process died (no grace period, nothing else: a file no
    marker names may be another host's upload in flight when the marker folders are not shared)."""
    report = SweepReport()
    with read_session() as session:
        _reclaim_crashed(session, photo_store.get_store(), photo_pending.get_pending(), report)
    if report.removed_files:
        logger.warning('photo sweep: removed %d file(s) of crashed uploads', len(report.removed_files))
    return report
