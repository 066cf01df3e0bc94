"""A real server and python-socketio overview tabs: the board of a scope (its order, statuses, summary and recent
problems) is built once per change and reaches every screen of that scope in one room message
(components/scope_rooms.py); a screen never receives the board of another scope, and a live screen gets no update
message of its own for a change that moves no card in or out (issue 24)."""
import asyncio

import httpx
import pytest
import socketio

from tests.browser.server import ADMIN_PASSWORD
from tests.test_card_rooms import TECH, open_socket, report, server, tab_query  # noqa: F401 - the fixture
from tests.test_live_socket_security import connect_tab, signed_in, wait_for

pytestmark = pytest.mark.slow


def boards(tab: socketio.AsyncClient) -> list[dict]:
    """Every board of its scope the tab receives through the room."""
    found: list[dict] = []

    @tab.on('ctp_scope')
    async def on_board(message: dict) -> None:
        found.append(message)
    return found


def own_boards(tab: socketio.AsyncClient) -> list[dict]:
    """The views and recent lists in the page's own update messages (sent to this screen alone)."""
    found: list[dict] = []

    @tab.on('update')
    async def on_update(message: dict) -> None:
        for element in message.values():  # {element id: element, ..., '_id': message id}
            props = (element.get('props') or {}) if isinstance(element, dict) else {}
            if 'view' in props or 'card' in props:
                found.append(props.get('view') or props['card'])
    return found


def recent_texts(board: dict) -> str:
    return ' '.join(row['row']['description'] for row in board['recent'])


async def test_a_scope_gets_one_board_per_change_and_no_other_scope_sees_it(server: str) -> None:  # noqa: F811
    headers = {'X-CTP-Request': '1', 'Origin': server}
    async with httpx.AsyncClient(base_url=server, headers=headers, timeout=30) as admin, \
            httpx.AsyncClient(base_url=server, headers=headers, timeout=30) as tablet:
        await signed_in(admin, 'admin', ADMIN_PASSWORD)
        magnus = (await admin.post('/api/ctp-machines', json={'name': 'Magnus'})).json()['id']
        avalon = (await admin.post('/api/ctp-machines', json={'name': 'Avalon'})).json()['id']
        tech = (await admin.post('/api/users', json={**TECH, 'machine_ids': [magnus]})).json()['id']
        await signed_in(tablet, TECH['username'], TECH['password'])
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


async def test_a_screen_that_reconnects_gets_the_board_it_missed(server: str) -> None:  # noqa: F811
    """Room messages are not replayed: the screen's new socket joins the room again and gets the newest board."""
    headers = {'X-CTP-Request': '1', 'Origin': server}
    async with httpx.AsyncClient(base_url=server, headers=headers, timeout=30) as admin:
        await signed_in(admin, 'admin', ADMIN_PASSWORD)
        magnus = (await admin.post('/api/ctp-machines', json={'name': 'Magnus'})).json()['id']
        other = await connect_tab(admin, server, '/', {'Origin': server})  # keeps the room's messages going
        query = await tab_query(admin, '/')
        tab = await open_socket(admin, server, query)
        await asyncio.sleep(1.0)
        await tab.disconnect()  # a Wi-Fi drop, shorter than the page's reconnect timeout
        await report(admin, magnus, 'Magnus during the drop')
        await asyncio.sleep(1.0)
        again = await open_socket(admin, server, query)
        received, own = boards(again), own_boards(again)
        assert await wait_for(lambda: any('Magnus during the drop' in recent_texts(b) for b in own if 'recent' in b),
                              30)
        await report(admin, magnus, 'Magnus after the drop')  # the new socket is in the room again
        assert await wait_for(lambda: any('Magnus after the drop' in recent_texts(b) for b in received), 30)
        await again.disconnect()
        await other.disconnect()
