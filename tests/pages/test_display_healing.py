"""A wall board rides out a database restart without anyone touching the screen (simulated user)."""
import asyncio
from typing import Any

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlalchemy.exc import OperationalError

from app.db import session_scope
from app.models import Role
from tests.factories import make_machine, make_user, report
from tests.pages.test_display import LIVE, pair, register

pytestmark = pytest.mark.dates


def _database_away(*_args: Any) -> Any:
    raise OperationalError('SELECT 1', {}, Exception('server closed the connection unexpectedly'))


async def test_a_board_whose_reads_fail_while_the_database_restarts_catches_up_by_itself(
        user: User, monkeypatch: Any) -> None:
    from components import wall, wall_data
    monkeypatch.setattr(wall, 'ROTATE_SECONDS', 0.2)
    monkeypatch.setattr(wall, 'RESYNC_TICKS', 1)  # the minute's re-read, every 0.2 s here
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800', nickname='Magnus')
        tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    real_load = wall_data.load_board
    monkeypatch.setattr(wall_data, 'load_board', _database_away)
    _, code = register()
    await pair(user, code)
    await user.open('/display')  # the first read fails: the board opens anyway, empty, and no error page
    await user.should_see('Plate room wall', retries=LIVE)
    await user.should_not_see('Magnus')
    monkeypatch.setattr(wall_data, 'load_board', real_load)  # the database is back
    await user.should_see('Magnus', retries=LIVE)
    monkeypatch.setattr(wall_data, 'load_board', _database_away)  # it goes away again under the open board
    with session_scope() as session:
        report(session, tech, magnus, description='Drum will not turn')  # the pushed read fails
    monkeypatch.setattr(wall_data, 'load_board', real_load)
    await user.should_see('DOWN', retries=LIVE)


async def test_a_screen_opened_while_the_database_is_away_waits_and_loads_again(user: User, monkeypatch: Any) -> None:
    from pages import display
    reloads: list[bool] = []
    monkeypatch.setattr(display, '_resolve', _database_away)
    monkeypatch.setattr(display, 'RETRY_SECONDS', 0.1)
    monkeypatch.setattr(ui.navigate, 'reload', lambda: reloads.append(True))
    await user.open('/display')
    await user.should_see('The board is starting again', retries=LIVE)
    await user.should_see('this screen tries again by itself')
    await user.should_not_see('Something went wrong')
    for _ in range(LIVE):
        if reloads:
            break
        await asyncio.sleep(0.1)
    assert reloads
