"""A real server and python-socketio overview tabs: a changed card reaches a screen once, through the room of its
machine (components/card_rooms.py), and only screens that may see the machine are in that room (issue 24)."""
import ast
import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
import socketio

from tests.browser.server import ADMIN_PASSWORD, free_port, running_server
from tests.test_live_socket_security import QUERY, connect_tab, signed_in, wait_for

pytestmark = pytest.mark.slow
TECH = {'username': 'tech1', 'name': 'Tech One', 'role': 'ctp_user', 'password': 'tablet-pass-2026'}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with running_server(tmp_path / 'data', free_port()) as base:
        yield base


def received(tab: socketio.AsyncClient, event: str) -> list[dict]:
    """Every message of that event (a room's) the tab receives."""
    found: list[dict] = []

    @tab.on(event)
    async def on_message(message: dict) -> None:
        found.append(message)
    return found


def recorder(tab: socketio.AsyncClient) -> list[dict]:
    """Every room card the tab receives."""
    return received(tab, 'ctp_card')


def own_props(tab: socketio.AsyncClient, *names: str) -> list[dict]:
    """The first of these props of each element in the page's own update messages (sent to this screen alone)."""
    found: list[dict] = []

    @tab.on('update')
    async def on_update(message: dict) -> None:
        for element in message.values():  # {element id: element, ..., '_id': message id}
            props = (element.get('props') or {}) if isinstance(element, dict) else {}
            found.extend([props[name] for name in names if name in props][:1])
    return found


def card_updates(tab: socketio.AsyncClient) -> list[dict]:
    """The `card` props in the page's own update messages (a card sent to this screen alone)."""
    return own_props(tab, 'card')


async def report(admin: httpx.AsyncClient, machine_id: int, text: str) -> int:
    response = await admin.post('/api/ctp-problem-logs', json={'machine_id': machine_id, 'problem_description': text,
                                                               'is_stopping': True})
    assert response.status_code == 201, response.text
    return response.json()['id']  # type: ignore[no-any-return]


@asynccontextmanager
async def two_machines_and_a_technician(server: str) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient,
                                                                           int, int, int]]:
    """The admin and the tablet signed in; Magnus and Avalon, tech1 assigned to Magnus: (admin, tablet, their ids)."""
    headers = {'X-CTP-Request': '1', 'Origin': server}
    async with httpx.AsyncClient(base_url=server, headers=headers, timeout=30) as admin, \
            httpx.AsyncClient(base_url=server, headers=headers, timeout=30) as tablet:
        await signed_in(admin, 'admin', ADMIN_PASSWORD)
        magnus = (await admin.post('/api/ctp-machines', json={'name': 'Magnus'})).json()['id']
        avalon = (await admin.post('/api/ctp-machines', json={'name': 'Avalon'})).json()['id']
        tech = (await admin.post('/api/users', json={**TECH, 'machine_ids': [magnus]})).json()['id']
        await signed_in(tablet, TECH['username'], TECH['password'])
        yield admin, tablet, magnus, avalon, tech


async def test_a_screen_receives_room_cards_only_for_machines_it_may_see(server: str) -> None:
    async with two_machines_and_a_technician(server) as (admin, tablet, magnus, avalon, tech):
        tech_tab = await connect_tab(tablet, server, '/', {'Origin': server})
        admin_tab = await connect_tab(admin, server, '/', {'Origin': server})
        tech_cards, admin_cards = recorder(tech_tab), recorder(admin_tab)
        own, admin_own = card_updates(tech_tab), card_updates(admin_tab)
        await asyncio.sleep(1.0)  # both screens joined their rooms at the handshake (and sent their cards again)
        own.clear()
        admin_own.clear()

        await report(admin, avalon, 'Avalon banding')
        await report(admin, magnus, 'Magnus drum')
        assert await wait_for(lambda: any('Magnus drum' in str(c) for c in tech_cards), 30)
        assert await wait_for(lambda: any('Avalon banding' in str(c) for c in admin_cards), 30)
        assert await wait_for(lambda: any('Magnus drum' in str(c) for c in admin_cards), 30)
        assert {c['id'] for c in tech_cards} == {magnus}  # never a card of a machine outside its scope
        assert len([c for c in tech_cards if 'Magnus drum' in str(c)]) == 1  # one message for the change
        await asyncio.sleep(0.5)
        assert not [c for c in own if 'Magnus drum' in str(c)]  # and not sent again as this screen's own update
        assert not [c for c in admin_own if 'Magnus drum' in str(c)]  # also where the problem event woke it first

        # an access change moves the screen out of the room: Magnus is no longer its machine
        moved = await admin.put(f'/api/users/{tech}/machines', json={'machine_ids': [avalon]})
        assert moved.status_code == 200, moved.text
        # the screen re-read its scope: its own update brings the Avalon card, drawn in the same step that moved
        # its socket from Magnus' room to Avalon's
        assert await wait_for(lambda: any(c.get('id') == avalon for c in own), 30)
        tech_cards.clear()
        admin_cards.clear()
        await report(admin, magnus, 'Magnus again')  # the cards now count two open problems
        await report(admin, avalon, 'Avalon again')
        assert await wait_for(lambda: any(c['id'] == avalon for c in tech_cards), 30)
        assert await wait_for(lambda: {c['id'] for c in admin_cards} == {magnus, avalon}, 30), admin_cards
        await asyncio.sleep(0.5)
        assert {c['id'] for c in tech_cards} == {avalon}
        await tech_tab.disconnect()
        await admin_tab.disconnect()


async def tab_query(http: httpx.AsyncClient, path: str) -> dict[str, str]:
    """The socket query of a freshly built page, as NiceGUI's JS sends it (one tab id for the page's lifetime)."""
    match = QUERY.search((await http.get(path)).text)
    assert match
    query = {**ast.literal_eval(match.group(1)), 'document_id': str(uuid.uuid4()), 'tab_id': str(uuid.uuid4()),
             'old_tab_id': ''}
    return {k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()}


async def open_socket(http: httpx.AsyncClient, base: str, query: dict[str, str]) -> socketio.AsyncClient:
    tab = socketio.AsyncClient(reconnection=False)
    cookie = '; '.join(f'{c.name}={c.value}' for c in http.cookies.jar)
    await tab.connect(f'{base}?{urlencode(query)}', socketio_path='/_nicegui_ws/socket.io', transports=['websocket'],
                      headers={'Cookie': cookie, 'Origin': base}, wait_timeout=10)
    return tab


async def test_a_screen_that_reconnects_gets_the_cards_and_the_board_it_missed(server: str) -> None:
    """Room messages are not replayed: the screen's new socket joins the rooms again (its machines' and its scope's)
    and its cards and board are sent anew."""
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
        again = await open_socket(admin, server, {**query, 'document_id': query['document_id']})
        cards, boards, own = recorder(again), received(again, 'ctp_scope'), own_props(again, 'card', 'view')
        assert await wait_for(lambda: any('Magnus during the drop' in str(c) for c in own if 'lines' in c), 30)
        assert await wait_for(lambda: any('Magnus during the drop' in str(b) for b in own if 'recent' in b), 30)
        await asyncio.sleep(0.5)
        await report(admin, magnus, 'Magnus after the drop')  # the new socket is in the rooms again
        assert await wait_for(lambda: any(c['id'] == magnus for c in cards), 30)
        assert await wait_for(lambda: any('Magnus after the drop' in str(b['recent']) for b in boards), 30)
        await again.disconnect()
        await other.disconnect()
