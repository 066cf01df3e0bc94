"""The photo slot of the report form and the problem page: the camera-ready uploader and the gallery."""
from collections.abc import Awaitable, Callable

from app.models.schemas import PhotoPublic
from app.services.photo_uploads import PreparedPhoto
from components.photo_gallery import PhotoGallery
from components.photo_upload import PhotoUpload

TakePhotos = Callable[[], list[PreparedPhoto]]


def photo_uploader(*, may_add: Callable[[int], Awaitable[None]], max_photos: int | None = None) -> TakePhotos:
    """A camera-ready uploader with previews; returns the function that hands the prepared photos over.

    `may_add` is the service's check of the right (and quota) to add that many photos, as the person is now: it runs
    before each photo is read or decoded and refuses it by raising a DomainError."""
    return PhotoUpload(max_photos=max_photos, may_add=may_add).take


def photo_gallery(photos: list[PhotoPublic]) -> None:
    """Thumbnails that open the full photo."""
    PhotoGallery(photos)
