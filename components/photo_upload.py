"""PhotoUpload: take or pick problem photos on a tablet; they are validated and stored while the form is filled in.

Usage in a form (the photos are handed over when the problem is saved):

    uploader = PhotoUpload(max_photos=6)          # or: 6 - number of photos the problem already has
    ...
    prepared = uploader.take()                    # the caller now owns the files
    await io(save, prepared)            # e.g. problem_logs.report_problem(session, ..., photos=prepared)
                                                  # or photos.attach_photos(...); both discard the files on failure

Photos that are never taken are discarded when the element (or the page) goes away.
"""
import base64
import html
import logging
from collections.abc import Awaitable, Callable

from nicegui import events, ui

from app.config import get_settings
from app.errors import DomainError
from app.i18n import _, decimal_text, ngettext
from app.photo_store import display_name
from app.services import photos
from app.services.photos import PreparedPhoto
from components.design import TOUCH
from components.worker import io

logger = logging.getLogger(__name__)
MB = 1024 * 1024
# Quasar's own list would show a refused file with ✓ 100 % and its header "0.0B / 0.00%": our list shows real states.
# The file input sits outside the button, not displayed; the button opens it (a control inside a control is one
# that assistive technology cannot name).
PICK_HEADER = r'''
<div class="flex items-center gap-2 p-2">
  <q-btn v-if="props.canAddFiles" color="primary" icon="add_a_photo" label="{take}" no-caps
         class="min-h-[48px]" @click="props.pickFiles" />
  <span v-if="props.canAddFiles" class="hidden"><q-uploader-add-trigger /></span>
  <q-spinner v-if="props.isUploading" size="24px" />
  <span v-if="props.isUploading">{checking}</span>
</div>'''  # {take} and {checking}: our own translated texts (html-escaped), never user input
REJECTED_JS = ('(entries) => emit(entries.map(e => ({name: e.file.name, size: e.file.size, '
               'why: e.failedPropValidation})))')
MayAdd = Callable[[int], Awaitable[None]]


def size_text(size: int) -> str:
    """31 MB, 0.4 MB (German 0,4 MB): the size the way a phone's gallery shows it."""
    return f'{decimal_text(size / MB, digits=0 if size >= 10 * MB else 1)} MB'


def too_big_text(size: int) -> str:
    limit = get_settings().max_photo_bytes
    return _('{limit} is the most; this one is {size}').format(limit=size_text(limit), size=size_text(size))


class PhotoUpload(ui.column):
    """Camera upload (accept image/*, rear camera) that prepares each photo off the event loop and keeps the list."""

    def __init__(self, *, max_photos: int | None = None, label: str | None = None,
                 on_change: Callable[[list[PreparedPhoto]], None] | None = None,
                 may_add: MayAdd | None = None) -> None:
        """:param max_photos: how many photos this form may add (default CTP_MAX_PHOTOS_PER_PROBLEM)
        :param label: the uploader's caption (translated; default 'Add photos')
        :param on_change: called with the current list after a photo was added or removed
        :param may_add: awaited with the number of photos the form would then hold, before a photo is read or
            decoded; raises a DomainError (no right any more, quota) to refuse it (the service's own check)
        """
        super().__init__()
        self.max_photos = get_settings().max_photos_per_problem if max_photos is None else max_photos
        self._may_add = may_add
        self.prepared: list[PreparedPhoto] = []
        self._on_change = on_change
        with self.classes('gap-2'):
            self.upload = ui.upload(label=label or _('Add photos'), multiple=True, auto_upload=True,
                                    on_upload=self._handle_upload,
                                    max_file_size=get_settings().max_photo_bytes).classes('w-full')
            self.upload.props['accept'] = 'image/*'
            self.upload.props['capture'] = 'environment'
            self.upload.props['flat'] = True
            self.upload.props['bordered'] = True
            self.upload.add_slot('header', PICK_HEADER.replace('{take}', html.escape(_('Take or pick photos')))
                                 .replace('{checking}', html.escape(_('Checking the photo…'))))
            self.upload.add_slot('list')  # empty: the states are shown below, per photo
            self.upload.classes('ctp-uploader')
            ui.add_css('.ctp-uploader .q-uploader__list { display: none }')
            self.upload.on('rejected', self._rejected, js_handler=REJECTED_JS)
            self.status = ui.label(_('No photos attached')).classes('text-sm text-grey-8').mark('photo-status')
            self.previews = ui.row().classes('gap-2')
            self.refusals = ui.column().classes('gap-1 w-full').mark('photo-refusals')

    async def _handle_upload(self, e: events.UploadEventArguments) -> None:
        if len(self.prepared) >= self.max_photos:
            self._refuse(e.file.name, ngettext('at most {count} photo can be added here; this one was not added',
                                               'at most {count} photos can be added here; this one was not added',
                                               self.max_photos).format(count=self.max_photos))
            return
        if e.file.size() > get_settings().max_photo_bytes:
            self._refuse(e.file.name, too_big_text(e.file.size()))
            return
        try:
            if self._may_add is not None:
                await self._may_add(len(self.prepared) + 1)  # the right as it is now, before any Pillow work
            prepared = await io(photos.prepare_photo, await e.file.read(), e.file.name)
        except DomainError as error:   # refused (400/413), short of disk (507): say why, keep nothing
            self._refuse(e.file.name, error.message)
            return
        if self.is_deleted or len(self.prepared) >= self.max_photos:
            await io(photos.discard, [prepared])
            return
        self.prepared.append(prepared)
        self._changed()

    def _rejected(self, e: events.GenericEventArguments) -> None:
        """Files the browser refused before sending (over the size limit): told on the photo, with the limit."""
        for entry in e.args if isinstance(e.args, list) else []:
            size = int(entry.get('size') or 0)
            why = too_big_text(size) if entry.get('why') == 'max-file-size' else _('this file cannot be added')
            self._refuse(str(entry.get('name') or ''), why)

    def _refuse(self, name: str | None, reason: str) -> None:
        """A refused photo stays in view with its name and the reason until the user dismisses it."""
        with self.refusals:
            with ui.row().classes('items-center gap-2 w-full no-wrap rounded border border-red-8 p-1') as row:
                ui.icon('block', color='red-8').props('aria-hidden=true')
                ui.label(_('{name} was not added: {reason}').format(name=_name(name), reason=reason)) \
                    .classes('text-red-10 break-words grow') \
                    .mark('photo-refused')
                ui.button(_('OK'), on_click=row.delete).props('flat').classes(TOUCH)

    def take(self) -> list[PreparedPhoto]:
        """Hand the prepared photos over to the caller (who commits or discards them) and empty the list."""
        taken, self.prepared = self.prepared, []
        self.upload.reset()
        self._changed()
        return taken

    async def discard_all(self) -> None:
        """Discard every photo not yet taken (not named `clear`: that is NiceGUI's, emptying the element)."""
        dropped, self.prepared = self.prepared, []
        await io(photos.discard, dropped)
        self.upload.reset()
        self._changed()

    async def _remove(self, photo: PreparedPhoto) -> None:
        if photo in self.prepared:
            self.prepared.remove(photo)
            await io(photos.discard, [photo])
            self._changed()

    def _changed(self) -> None:
        count = len(self.prepared)
        self.status.text = ngettext('{count} photo attached', '{count} photos attached', count).format(count=count) \
            if count else _('No photos attached')
        self.previews.clear()
        with self.previews:
            for photo in self.prepared:
                self._preview(photo)
        if self._on_change is not None:
            self._on_change(list(self.prepared))

    def _preview(self, photo: PreparedPhoto) -> None:
        source = 'data:image/jpeg;base64,' + base64.b64encode(photo.thumb_jpeg).decode()
        remove = _('Remove photo')
        with ui.card().tight().classes('w-24').mark('photo-preview'):
            ui.image(source).classes('w-24 h-24').props['alt'] = photo.original_name or _('photo')
            ui.button(icon='delete', on_click=lambda p=photo: self._remove(p)).props(
                f'flat dense aria-label="{remove}"').classes(TOUCH)

    def _handle_delete(self) -> None:
        if self.prepared:   # never taken: nothing points to these files
            photos.discard(self.prepared)
            self.prepared = []
        super()._handle_delete()


def _name(name: str | None) -> str:
    return display_name(name) or _('the photo')
