"""The photo slot of the report form and the problem page, an adapter to issue 5's photo components.

Until `components.photo_upload` / `components.photo_gallery` and `app.services.photos` are merged into this
branch, forms offer no upload and problems show plain thumbnails; after the merge they switch over by themselves.
The lead may then replace this module by direct imports.
"""
import importlib
import importlib.util
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from app.models.schemas import PhotoPublic

TakePhotos = Callable[[], list[Any]]


def photos_available() -> bool:
    return importlib.util.find_spec('components.photo_upload') is not None


def photo_uploader(*, may_add: Callable[[int], Awaitable[None]], max_photos: int | None = None) -> TakePhotos | None:
    """A camera-ready uploader with previews; returns the function that hands the prepared photos over.

    `may_add` is the service's check of the right (and quota) to add that many photos, as the person is now: it runs
    before each photo is read or decoded and refuses it by raising a DomainError."""
    if not photos_available():
        return None
    uploader = importlib.import_module('components.photo_upload').PhotoUpload(max_photos=max_photos, may_add=may_add)
    return uploader.take  # type: ignore[no-any-return]


def photo_service() -> Any:
    """app.services.photos (report_with_photos, attach_photos) once merged."""
    return importlib.import_module('app.services.photos')


def photo_gallery(photos: list[PhotoPublic]) -> None:
    """Thumbnails that open the full photo."""
    if importlib.util.find_spec('components.photo_gallery') is not None:
        importlib.import_module('components.photo_gallery').PhotoGallery(photos)
        return
    with ui.row().classes('gap-2'):
        for photo in photos:
            with ui.link(target=photo.url, new_tab=True):
                ui.image(photo.thumb_url).classes('w-32 h-24 rounded').props('fit=cover').mark(f'photo-{photo.id}')
