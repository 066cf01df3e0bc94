"""Photo uploads before they belong to a problem: validate and re-encode (off the event loop), write the files under
a pending-upload marker (app/photo_pending.py), and either settle them once their rows are committed or discard them.

Lifecycle: `prepare_photo` -> the rows are added in the problem's transaction (photos.add_photos, by
problem_logs.report_problem or photos.attach_photos) and committed -> `settle` drops the marker; on any failure
`discard` removes the files, then the marker. A process that dies in between leaves a marker photo_sweep reclaims.
"""
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from app import photo_pending, photo_pipeline, photo_store
from app.config import get_settings
from app.errors import InsufficientStorage
from app.i18n import N_

logger = logging.getLogger(__name__)
MB = 1024 * 1024


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




def prepare_photo(data: bytes, original_name: str | None) -> PreparedPhoto:
    """Validate and re-encode one upload and write its files (blocking: call it in a worker thread).

    Raises InvalidInput (400) for anything that is not a safe photo and PayloadTooLarge (413) over the byte cap;
    nothing is stored then. The caller owns the result: commit it with `problem_logs.report_problem(photos=...)` or
    `photos.attach_photos` (which discard it on failure) or call `discard`.
    """
    image = photo_pipeline.process_niced(data)   # a refused upload creates nothing, not even the folder
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
    settle(prepared)


def settle(prepared: Iterable[PreparedPhoto]) -> None:
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
