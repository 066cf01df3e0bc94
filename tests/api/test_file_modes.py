"""The server's files are its own (SECURITY.md): the data folder is 0700, what the server creates 0600 / 0700, and
NiceGUI's per-user session storage lives inside CTP_DATA_DIR, never in the working directory."""
import stat
from pathlib import Path

from nicegui.storage import Storage
from nicegui.testing import User

from app.config import get_settings
from tests.conftest import ADMIN_PASSWORD, api_login


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_data_files_are_private_and_sessions_live_in_the_data_folder(user: User) -> None:
    data = get_settings().data_dir.resolve()
    assert (await api_login(user.http_client, 'admin', ADMIN_PASSWORD)).status_code == 200
    await user.open('/')  # a page: NiceGUI writes the signed-in user's storage
    assert Storage.path.resolve().is_relative_to(data)
    assert mode(data) == 0o700
    created = data / 'created-by-the-server.txt'
    created.write_text('x')
    assert mode(created) == 0o600  # the process's umask: every file it writes (photos, sessions, secrets)
    (data / 'folder').mkdir()
    assert mode(data / 'folder') == 0o700
