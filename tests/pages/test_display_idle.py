"""An idle wall board left open for weeks: between two reads the server sends it nothing, and a read in which only
the clock moved rebuilds no element (each rebuilt element cost the screen memory; docs/BENCHMARKS.md, Soak)."""
import asyncio
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from nicegui.testing import User

from app.db import session_scope
from app.models import Role, utcnow
from components import wall
from tests.factories import make_machine, make_user, report
from tests.pages.test_display import LIVE, pair, register

pytestmark = pytest.mark.dates


def _count_updates(user: User, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the elements the server sends the screen from now on."""
    sent: list[int] = []
    outbox = user.client.outbox
    real = outbox.enqueue_update

    def enqueue_update(element: Any) -> None:
        sent.append(element.id)
        real(element)

    monkeypatch.setattr(outbox, 'enqueue_update', enqueue_update)
    return sent


async def test_an_idle_board_gets_nothing_between_reads_and_no_new_elements_when_only_the_clock_moves(
        user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wall, 'ROTATE_SECONDS', 0.05)
    monkeypatch.setattr(wall, 'RESYNC_TICKS', 10**6)  # rotation ticks only, no re-read
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800', nickname='Magnus')
        avalon = make_machine(session, 'Avalon')
        tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
        report(session, tech, magnus, start=utcnow() - timedelta(minutes=42))
    _, code = register()
    await pair(user, code)
    await user.open('/display')
    await user.should_see('42 min', retries=LIVE)  # the tile's counter
    grid = next(iter(user.find(marker='wall-grid').elements))
    elements = set(user.client.elements)
    tiles = {e.id for machine in (magnus, avalon) for tile in user.find(marker=f'tile-{machine.id}').elements
             for e in [tile, *tile.descendants()]}
    sent = _count_updates(user, monkeypatch)
    await asyncio.sleep(1.0)  # ~20 rotation ticks of a board that fits one page
    assert sent == []

    with time_machine.travel(utcnow() + timedelta(minutes=5), tick=True):
        read_at = grid.props['data-updated']
        monkeypatch.setattr(wall, 'RESYNC_TICKS', 1)  # now every tick reads the board again
        for _ in range(LIVE * 10):
            if grid.props['data-updated'] != read_at:
                break
            await asyncio.sleep(0.1)
        assert grid.props['data-updated'] != read_at  # a read with the clock 5 minutes on has landed
        await asyncio.sleep(0.3)
    assert set(user.client.elements) == elements  # no tile, footer line or label rebuilt: texts set in place
    assert sent and not tiles & set(sent)  # the footer's line and the read's time; the tiles tick in the browser
