"""Problem photo files: one small storage interface, and the names the server gives files.

`PhotoStore` is what the rest of the app uses; `LocalPhotoStore` (a folder under CTP_DATA_DIR) is the embedded
default, and a shared volume or an object store can implement the same methods. What goes into a file is made
safe first by the Pillow pipeline (app/photo_pipeline.py).
"""
import contextlib
import logging
import os
import re
import shutil
import time
import unicodedata
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from app.config import get_settings

logger = logging.getLogger(__name__)
NAME_PATTERN = re.compile(r'^[0-9a-f]{32}\.(jpg|png)$')
MEDIA_TYPES = {'jpg': 'image/jpeg', 'png': 'image/png'}
TEMP_PREFIX = '.tmp-'
DISPLAY_NAME_LENGTH = 100


class PhotoStore(Protocol):
    """Where photo files live. Names are server-made (`<32 hex>.jpg|png`) and immutable once written."""

    def put(self, name: str, data: bytes) -> None:
        """Write atomically: readers see the whole file or nothing."""

    def open(self, name: str) -> BinaryIO:
        """The file for reading (FileNotFoundError when missing)."""

    def local_path(self, name: str) -> Path | None:
        """A path the web server can send directly, or None for remote stores."""

    def delete(self, name: str) -> None:
        """Remove the file; a missing file is not an error."""

    def exists(self, name: str) -> bool: ...

    def names(self, *, older_than: float = 0.0) -> Iterator[str]:
        """Stored names (and abandoned temporary files) last written more than `older_than` seconds ago."""

    def remove_partial(self, name: str) -> None:
        """Remove an abandoned temporary file listed by `names` (a write that never finished)."""

    def free_bytes(self) -> int | None:
        """Free space where the photos are written, or None when the store cannot tell (no floor then)."""


def check_name(name: str) -> str:
    """A stored name, or ValueError: client input can never become a path."""
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(f'not a photo name: {name!r}')
    return name


def new_name(extension: str = 'jpg') -> str:
    return f'{uuid.uuid4().hex}.{extension}'


def media_type(name: str) -> str:
    """The Content-Type of a stored file, from the extension the server chose by decoding it."""
    return MEDIA_TYPES[check_name(name).rsplit('.', 1)[1]]


def temp_name(name: str) -> str:
    """The temporary file `put` writes before the rename: derived from the final name, so a crashed upload's
    pending marker (app/photo_pending.py) names it too."""
    return f'{TEMP_PREFIX}{check_name(name)}'


class LocalPhotoStore:
    """Photos in one local folder: temp file in the same folder -> fsync -> os.replace -> fsync the folder."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        path = (self.root / check_name(name)).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f'photo path outside the photo folder: {name!r}')
        return path

    def put(self, name: str, data: bytes) -> None:
        final = self._path(name)
        self.root.mkdir(parents=True, exist_ok=True)
        temp = self.root / temp_name(name)
        try:
            with open(temp, 'xb') as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, final)
        finally:
            temp.unlink(missing_ok=True)
        self._sync_folder()

    def _sync_folder(self) -> None:
        descriptor = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def open(self, name: str) -> BinaryIO:
        return open(self._path(name), 'rb')

    def local_path(self, name: str) -> Path | None:
        return self._path(name)

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def names(self, *, older_than: float = 0.0) -> Iterator[str]:
        cutoff = time.time() - older_than
        for entry in os.scandir(self.root):
            if not entry.is_file(follow_symlinks=False) or entry.stat().st_mtime > cutoff:
                continue
            if NAME_PATTERN.fullmatch(entry.name) or entry.name.startswith(TEMP_PREFIX):
                yield entry.name

    def remove_partial(self, name: str) -> None:
        """Remove an abandoned temporary file (the sweeper calls this for names that are not photo names)."""
        if name.startswith(TEMP_PREFIX) and '/' not in name:
            (self.root / name).unlink(missing_ok=True)

    def free_bytes(self) -> int | None:
        return shutil.disk_usage(self.root).free


_stores: dict[Path, PhotoStore] = {}


def get_store() -> PhotoStore:
    """The configured store (the local folder of the current settings)."""
    root = get_settings().photo_dir
    if root not in _stores:
        _stores[root] = LocalPhotoStore(root)
    return _stores[root]


def display_name(original: str | None) -> str | None:
    """The client's file name made harmless for display only: no folders, drive prefixes or control characters."""
    if not original:
        return None
    name = re.split(r'[\\/]', unicodedata.normalize('NFC', original))[-1]
    name = re.sub(r'^[A-Za-z]:', '', name)
    name = ''.join(char for char in name if unicodedata.category(char)[0] not in 'CZ' or char == ' ')
    name = name.strip(' .')[:DISPLAY_NAME_LENGTH]
    return name or None


def remove_quietly(store: PhotoStore, names: list[str]) -> None:
    """Delete files, logging (not raising) failures: the startup sweeper finishes the job."""
    for name in names:
        with contextlib.suppress(ValueError):
            try:
                store.delete(name)
            except OSError as error:
                logger.warning('could not remove photo file %s: %s', name, error)
