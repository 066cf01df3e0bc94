"""A session's server-side storage read back whole before any request uses it.

NiceGUI unloads a session's `app.storage.user` once no page of the session has been open for a while
(`prune_user_storage`, every 10 s) and reads it back from its file on the session's next request. NiceGUI 3.18
registers the storage before that read has finished, so a request arriving meanwhile (several tabs restored at once,
a script's parallel calls, a wall board's page and its API calls) finds it empty and is treated as signed out: a
401, or a page's redirect to /login. Here a session's storage is registered only once it has been read, and the
requests that arrive during the read wait for that one read.
"""
import asyncio

from nicegui.storage import USER_PREFIX, Storage

_reading: dict[str, 'asyncio.Future[None]'] = {}


async def _create_user_storage(self: Storage, session_id: str) -> None:
    while session_id in _reading:  # another request of the session is reading it back: use that read
        await asyncio.shield(_reading[session_id])
    if session_id in self._users:  # noqa: SLF001 - NiceGUI's own table of loaded user storages
        return
    done = _reading[session_id] = asyncio.get_running_loop().create_future()
    try:
        storage = Storage._create_persistent_dict(f'{USER_PREFIX}{session_id}')  # noqa: SLF001
        await storage.initialize()
        self._users.setdefault(session_id, storage)  # noqa: SLF001
    finally:  # also when this request was cancelled: a waiting one then reads it itself
        del _reading[session_id]
        done.set_result(None)


def install() -> None:
    """Replace NiceGUI's `Storage._create_user_storage` (called by its request middleware for a session whose
    storage is not loaded); idempotent."""
    Storage._create_user_storage = _create_user_storage  # type: ignore[method-assign]  # noqa: SLF001
