"""Photo files nobody names: `sweep_orphans` (at start-up) removes at once the files of uploads whose process died
before the commit (SIGKILL included), removes files that no row and no marker names once older than a grace period,
and reports rows whose file is missing; `reclaim_now` (every minute) does the first part only. Neither removes a
file a row points to."""
import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session, col

from app import photo_pending, photo_store
from app.db import read_session, select_rows
from app.models import ProblemPhoto

logger = logging.getLogger(__name__)
SWEEP_GRACE_SECONDS = 600.0   # files without row or marker younger than this may be a write just starting


@dataclass
class SweepReport:
    removed_files: list[str] = field(default_factory=list)
    rows_without_file: list[int] = field(default_factory=list)




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
    for photo in select_rows(session, select(ProblemPhoto)).scalars():
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
        committed = set(select_rows(session, select(col(ProblemPhoto.stored_name)).where(col(ProblemPhoto.stored_name)
                                                                                         .in_(names))
                                     ).scalars())
        committed |= set(select_rows(session, select(col(ProblemPhoto.thumb_name)).where(col(ProblemPhoto.thumb_name)
                                                                                         .in_(names))
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
