"""PhotoGallery: a row of lazily loaded thumbnails of a problem's photos; a tap opens the full image in a dialog.

Usage: `gallery = PhotoGallery(problem.photos)` with `PhotoPublic` items (from problem_queries); after a
`problem_log_changed` event, `gallery.set_photos(fresh.photos)`. The images come from the authorized routes
/photos/{id}/thumb and /photos/{id}, so the browser's session cookie decides who sees them.
"""
from nicegui import ui

from app.i18n import _
from app.models.schemas import PhotoPublic
from components.dialog import named_dialog


class PhotoGallery(ui.row):
    """Thumbnails (loading=lazy) of the given photos; tapping one shows the full photo."""

    def __init__(self, photos: list[PhotoPublic] | None = None, *, size: str = 'w-24 h-24') -> None:
        """:param photos: the problem's photos, in display order
        :param size: Tailwind classes for each thumbnail
        """
        super().__init__()
        self.classes('gap-2 items-center')
        self._size = size
        self.dialog = named_dialog(_('Photo'))
        self.set_photos(photos or [])

    def set_photos(self, photos: list[PhotoPublic]) -> None:
        """Show a new list of photos (e.g. after one was added elsewhere)."""
        self.photos = list(photos)
        self.clear()
        with self:
            for photo in self.photos:
                self._thumbnail(photo)

    def _thumbnail(self, photo: PhotoPublic) -> None:
        image = ui.image(photo.thumb_url).classes(f'{self._size} rounded cursor-pointer').mark(f'photo-{photo.id}')
        image.props['loading'] = 'lazy'
        image.props['alt'] = f'{photo.kind} photo' + (f': {photo.original_name}' if photo.original_name else '')
        image.on('click', lambda p=photo: self.open(p))

    def open(self, photo: PhotoPublic) -> None:
        """Show one photo full size."""
        self.dialog.clear()
        with self.dialog, ui.card().classes('p-2 max-w-full'):
            ui.image(photo.url).classes('max-h-[80vh] min-w-[60vw]').props['fit'] = 'contain'
            with ui.row().classes('w-full items-center justify-between'):
                ui.label(f'{photo.kind.capitalize()}' + (f' · {photo.original_name}' if photo.original_name else ''))
                ui.button('Close', on_click=self.dialog.close).props('flat')
        self.dialog.open()
