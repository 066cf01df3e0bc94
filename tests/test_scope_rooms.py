"""A real server and python-socketio overview tabs: the board of a scope (its order, statuses, summary and recent
problems) is built once per change and reaches every screen of that scope in one room message
(components/scope_rooms.py); a screen never receives the board of another scope, and a live screen gets no update
message of its own for a change that moves no card in or out (issue 24). A reconnecting screen:
tests/test_card_rooms.py."""
import asyncio

import pytest
import socketio

from tests.test_card_rooms import (  # noqa: F401 - server: the fixture
    open_socket,
    own_props,
    received,
    report,
    server,
    two_machines_and_a_technician,
)
from tests.test_live_socket_security import connect_tab, wait_for

pytestmark = pytest.mark.slow


def boards(tab: socketio.AsyncClient) -> list[dict]:
    """Every board of its scope the tab receives through the room."""
    return received(tab, 'ctp_scope')


def own_boards(tab: socketio.AsyncClient) -> list[dict]:
    """The views and cards in the page's own update messages (sent to this screen alone)."""
    return own_props(tab, 'view', 'card')


def recent_texts(board: dict) -> str:
    return ' '.join(row['row']['description'] for row in board['recent'])


async def test_a_scope_gets_one_board_per_change_and_no_other_scope_sees_it(server: str) -> None:  # noqa: F811
    async with two_machines_and_a_technician(server) as (admin, tablet, magnus, avalon, tech):
        tech_tab = await connect_tab(tablet, server, '/', {'Origin': server})
        first = await connect_tab(admin, server, '/', {'Origin': server})
        second = await connect_tab(admin, server, '/', {'Origin': server})
        tech_boards, first_boards, second_boards = boards(tech_tab), boards(first), boards(second)
        own = [own_boards(tab) for tab in (tech_tab, first, second)]
        await asyncio.sleep(1.0)  # the screens joined their rooms at the handshake (and sent their boards again)
        for found in own:
            found.clear()

        await report(admin, avalon, 'Avalon banding')
        assert await wait_for(lambda: any('Avalon banding' in recent_texts(b) for b in second_boards), 30)
        [board] = [b for b in first_boards if 'Avalon banding' in recent_texts(b)]
        assert [b['seq'] for b in second_boards if 'Avalon banding' in recent_texts(b)] == [board['seq']]  # one
        assert board['order'] == [avalon, magnus]  # red first
        assert board['status'] == {str(avalon): 'down', str(magnus): 'operational'}
        assert board['summary'] == '2 machines · 1 down'
        await report(admin, magnus, 'Magnus drum')
        assert await wait_for(lambda: any('Magnus drum' in recent_texts(b) for b in tech_boards), 30)
        assert all('Avalon' not in str(b) for b in tech_boards)  # never the board of another scope
        assert tech_boards[-1]['order'] == [magnus] and tech_boards[-1]['summary'] == '1 machine · 1 down'
        await asyncio.sleep(0.5)
        assert own == [[], [], []]  # the rooms' messages were the updates: nothing sent to one screen alone

        # an access change moves the screen to the room of its new scope
        moved = await admin.put(f'/api/users/{tech}/machines', json={'machine_ids': [avalon]})
        assert moved.status_code == 200, moved.text
        assert await wait_for(lambda: any(b.get('order') == [avalon] for b in own[0]), 30)  # its own update
        tech_boards.clear()
        await report(admin, magnus, 'Magnus again')
        await report(admin, avalon, 'Avalon again')
        assert await wait_for(lambda: any('Avalon again' in recent_texts(b) for b in tech_boards), 30)
        await asyncio.sleep(0.5)
        assert all('Magnus' not in str(b) for b in tech_boards)
        for tab in (tech_tab, first, second):
            await tab.disconnect()

