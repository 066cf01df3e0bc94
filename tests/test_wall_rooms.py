"""A real server and python-socketio wall tabs: the walls of a scope get a change's tiles and footer in one room
message (components/wall_rooms.py), a wall never receives the tiles of a machine outside its scope, and a change that
leaves a live wall's layout as it was sends that wall nothing of its own (issue 24)."""
import asyncio

import pytest
import socketio

from tests.test_card_rooms import (  # noqa: F401 - server: the fixture
    own_props,
    received,
    report,
    server,
    two_machines_and_a_technician,
)
from tests.test_live_socket_security import connect_tab, wait_for

pytestmark = pytest.mark.slow


def walls(tab: socketio.AsyncClient) -> list[dict]:
    return received(tab, 'ctp_wall')


def tile_words(wall: dict, machine_id: int) -> tuple[str, str | None]:
    tile = wall['tiles'].get(str(machine_id)) or {'word': None, 'problem': None}
    return tile['word'], (tile['problem'] or {}).get('who')


async def test_the_walls_of_a_scope_share_one_message_and_no_other_scope_sees_it(server: str) -> None:  # noqa: F811
    async with two_machines_and_a_technician(server) as (admin, tablet, magnus, avalon, _tech):
        tech_wall = await connect_tab(tablet, server, '/display', {'Origin': server})
        first = await connect_tab(admin, server, '/display', {'Origin': server})
        second = await connect_tab(admin, server, '/display', {'Origin': server})
        tech_walls, first_walls, second_walls = walls(tech_wall), walls(first), walls(second)
        own = [own_props(tab, 'tile', 'footer', 'page', 'data-updated') for tab in (first, second)]
        await asyncio.sleep(1.0)  # the walls joined their rooms at the handshake

        log_id = await report(admin, avalon, 'Avalon banding')
        assert await wait_for(lambda: any(tile_words(w, avalon)[0] == 'DOWN' for w in second_walls), 30)
        [wall] = [w for w in first_walls if tile_words(w, avalon)[0] == 'DOWN']
        assert [w['seq'] for w in second_walls if tile_words(w, avalon)[0] == 'DOWN'] == [wall['seq']]  # one
        assert tile_words(wall, magnus) == ('RUNNING', None) and tile_words(wall, avalon) == ('DOWN', 'UNASSIGNED')
        assert wall['footer']['lists'][0][0] == 'Down today'
        await report(admin, magnus, 'Magnus drum')
        assert await wait_for(lambda: any(tile_words(w, magnus)[0] == 'DOWN' for w in tech_walls), 30)
        assert all(str(avalon) not in w['tiles'] and 'Avalon' not in str(w) for w in tech_walls)  # never another scope
        await asyncio.sleep(0.5)
        for found in own:
            found.clear()

        taken = await admin.put(f'/api/ctp-problem-logs/{log_id}', json={'status': 'in_progress'})
        assert taken.status_code == 200, taken.text
        assert await wait_for(lambda: tile_words(second_walls[-1], avalon) == ('DOWN', 'Administrator'), 30)
        await asyncio.sleep(0.5)
        assert own == [[], []]  # the same layout: the room's message was the update, nothing sent to one wall alone
        for tab in (tech_wall, first, second):
            await tab.disconnect()
