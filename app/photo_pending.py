"""Pending-upload markers: which photo files may exist without their row yet, and whether their writer still lives.

A photo's files are written before its row is committed (app/services/photos.py), sometimes minutes before: the
report form writes them when a photo is attached and the row when the form is sent. Before writing them, the
writer records their names in a marker file (fsynced); the marker goes once the row is committed or the files are
removed. Markers live in one folder per process, next to the photo folder (`<photos>-pending/<owner>/<marker>`),
and each process holds an exclusive `flock` on its `<owner>.lock` for as long as it lives. The kernel drops that
lock when the process dies, SIGKILL included, so a sweeper that can take it knows the writer is gone: the files
its markers name and no row points to belong to a crashed upload and can go at once, whatever their age; files a
live process's markers name are never swept (SECURITY.md U7).

Works for processes on one host (or a shared volume whose locks are honoured, e.g. NFSv4); fork-safe (a child
makes its own owner folder on first use).
"""
import fcntl
import logging
import os
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from app.config import get_settings

logger = logging.getLogger(__name__)
HEX = re.compile(r'^[0-9a-f]{32}$')
LOCK_SUFFIX = '.lock'


@dataclass(frozen=True)
class Abandoned:
    """The pending markers of a dead process: the file names it may have left without a row."""

    owner: str
    names: frozenset[str]


class PendingUploads:
    """This process's markers of uploads in flight, and the sweeper's view of everyone's."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._guard = threading.Lock()
        self._pid: int | None = None
        self._owner = ''
        self._lock_fd: int | None = None

    def begin(self, names: list[str]) -> str:
        """Record `names` durably before their files are written; returns the marker to pass to `end`."""
        owner_folder = self._own_folder()
        marker = uuid.uuid4().hex
        with open(owner_folder / marker, 'x', encoding='ascii') as handle:
            handle.write('\n'.join(names))
            handle.flush()
            os.fsync(handle.fileno())
        _sync(owner_folder)
        return f'{self._owner}/{marker}'

    def end(self, marker: str) -> None:
        """The files are committed (a row points to them) or removed: forget the marker (a lost unlink is harmless:
        the sweeper keeps files a row points to)."""
        owner, _, name = marker.partition('/')
        if HEX.fullmatch(owner) and HEX.fullmatch(name):
            (self.folder / owner / name).unlink(missing_ok=True)

    def live_names(self) -> set[str]:
        """Every name that any marker lists (uploads in flight, or of dead processes not yet reclaimed)."""
        names: set[str] = set()
        for owner in self._owners():
            names |= _read_markers(self.folder / owner)
        return names

    @contextmanager
    def abandoned(self) -> Iterator[list[Abandoned]]:
        """The markers of dead processes, locked for this sweep; on a clean exit they are removed."""
        claimed: dict[str, int] = {}
        try:
            for owner in self._owners():
                descriptor = self._claim(owner)
                if descriptor is not None:
                    claimed[owner] = descriptor
            yield [Abandoned(owner, frozenset(_read_markers(self.folder / owner))) for owner in claimed]
            for owner in claimed:
                self._forget(owner)
        finally:
            for descriptor in claimed.values():
                os.close(descriptor)

    def _own_folder(self) -> Path:
        with self._guard:
            if self._pid != os.getpid():   # first use, or a forked child: a new owner with its own lock
                owner = uuid.uuid4().hex
                self.folder.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(self.folder / f'{owner}{LOCK_SUFFIX}', os.O_CREAT | os.O_RDWR, 0o600)
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                (self.folder / owner).mkdir()
                _sync(self.folder)
                self._owner, self._lock_fd, self._pid = owner, descriptor, os.getpid()
            return self.folder / self._owner

    def _owners(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(path.name.removesuffix(LOCK_SUFFIX) for path in self.folder.iterdir()
                      if path.name.endswith(LOCK_SUFFIX) and HEX.fullmatch(path.name.removesuffix(LOCK_SUFFIX)))

    def _claim(self, owner: str) -> int | None:
        """The lock of a dead owner (held until the sweep ends), or None while its process lives."""
        if owner == self._owner and self._pid == os.getpid():
            return None
        try:
            descriptor = os.open(self.folder / f'{owner}{LOCK_SUFFIX}', os.O_RDWR)
        except FileNotFoundError:
            return None   # another sweeper just finished with it
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return None
        return descriptor

    def _forget(self, owner: str) -> None:
        folder = self.folder / owner
        if folder.is_dir():
            for marker in folder.iterdir():
                marker.unlink(missing_ok=True)
            with suppress(OSError):
                folder.rmdir()
        (self.folder / f'{owner}{LOCK_SUFFIX}').unlink(missing_ok=True)


def _read_markers(folder: Path) -> set[str]:
    names: set[str] = set()
    with suppress(FileNotFoundError):
        for marker in folder.iterdir():
            with suppress(FileNotFoundError):
                names |= {line for line in marker.read_text('ascii', errors='ignore').splitlines() if line}
    return names


def _sync(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


_registries: dict[Path, PendingUploads] = {}
_registries_guard = threading.Lock()


def get_pending() -> PendingUploads:
    """The markers next to the configured photo folder."""
    photo_dir = get_settings().photo_dir.resolve()
    folder = photo_dir.with_name(f'{photo_dir.name}-pending')
    with _registries_guard:
        if folder not in _registries:
            _registries[folder] = PendingUploads(folder)
        return _registries[folder]
