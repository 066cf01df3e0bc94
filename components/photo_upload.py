"""PhotoUpload: take or pick problem photos on a tablet; they are validated and stored while the form is filled in.

Usage in a form (the photos are handed over when the problem is saved):

    uploader = PhotoUpload(max_photos=6)          # or: 6 - number of photos the problem already has
    ...
    prepared = uploader.take()                    # the caller now owns the files
    await run.io_bound(save, prepared)            # e.g. photos.report_with_photos(session, ..., prepared=prepared)
                                                  # or photos.attach_photos(...); both discard the files on failure

Photos that are never taken are discarded when the element (or the page) goes away.
"""
import base64
import logging
from collections.abc import Callable

from nicegui import events, run, ui

from app.config import get_settings
from app.errors import DomainError
from app.photo_store import display_name
from app.services import photos
from app.services.photos import PreparedPhoto
from components.design import TOUCH

logger = logging.getLogger(__name__)


class PhotoUpload(ui.column):
    """Camera upload (accept image/*, rear camera) that prepares each photo off the event loop and keeps the list."""

    def __init__(self, *, max_photos: int | None = None, label: str = 'Add photos',
                 on_change: Callable[[list[PreparedPhoto]], None] | None = None) -> None:
        """:param max_photos: how many photos this form may add (default CTP_MAX_PHOTOS_PER_PROBLEM)
        :param label: the uploader's caption
        :param on_change: called with the current list after a photo was added or removed
        """
        super().__init__()
        self.max_photos = get_settings().max_photos_per_problem if max_photos is None else max_photos
        self.prepared: list[PreparedPhoto] = []
        self._on_change = on_change
        with self.classes('gap-2'):
            self.upload = ui.upload(label=label, multiple=True, auto_upload=True, on_upload=self._handle_upload,
                                    max_file_size=get_settings().max_photo_bytes).classes('w-full')
            self.upload.props['accept'] = 'image/*'
            self.upload.props['capture'] = 'environment'
            self.status = ui.label('No photos attached').classes('text-sm text-grey-8')
            self.previews = ui.row().classes('gap-2')

    async def _handle_upload(self, e: events.UploadEventArguments) -> None:
        limit = get_settings().max_photo_bytes
        if len(self.prepared) >= self.max_photos:
            ui.notify(f'At most {self.max_photos} photos can be added', type='warning')
            return
        if e.file.size() > limit:
            ui.notify(f'{_name(e.file.name)} is too large (at most {limit // (1024 * 1024)} MB)', type='negative')
            return
        try:
            prepared = await run.io_bound(photos.prepare_photo, await e.file.read(), e.file.name)
        except DomainError as error:   # refused (400/413), short of disk (507): say why, keep nothing
            ui.notify(f'{_name(e.file.name)}: {error.message}', type='negative')
            return
        if self.is_deleted or len(self.prepared) >= self.max_photos:
            await run.io_bound(photos.discard, [prepared])
            return
        self.prepared.append(prepared)
        self._changed()

    def take(self) -> list[PreparedPhoto]:
        """Hand the prepared photos over to the caller (who commits or discards them) and empty the list."""
        taken, self.prepared = self.prepared, []
        self.upload.reset()
        self._changed()
        return taken

    async def clear(self) -> None:
        """Discard every photo not yet taken."""
        dropped, self.prepared = self.prepared, []
        await run.io_bound(photos.discard, dropped)
        self.upload.reset()
        self._changed()

    async def _remove(self, photo: PreparedPhoto) -> None:
        if photo in self.prepared:
            self.prepared.remove(photo)
            await run.io_bound(photos.discard, [photo])
            self._changed()

    def _changed(self) -> None:
        count = len(self.prepared)
        self.status.text = f'{count} photo{"" if count == 1 else "s"} attached' if count else 'No photos attached'
        self.previews.clear()
        with self.previews:
            for photo in self.prepared:
                self._preview(photo)
        if self._on_change is not None:
            self._on_change(list(self.prepared))

    def _preview(self, photo: PreparedPhoto) -> None:
        source = 'data:image/jpeg;base64,' + base64.b64encode(photo.thumb_jpeg).decode()
        with ui.card().tight().classes('w-24').mark('photo-preview'):
            ui.image(source).classes('w-24 h-24').props['alt'] = photo.original_name or 'photo'
            ui.button(icon='delete', on_click=lambda p=photo: self._remove(p)).props(
                'flat dense aria-label="Remove photo"').classes(TOUCH)

    def _handle_delete(self) -> None:
        if self.prepared:   # never taken: nothing points to these files
            photos.discard(self.prepared)
            self.prepared = []
        super()._handle_delete()


def _name(name: str | None) -> str:
    return display_name(name) or 'the photo'
