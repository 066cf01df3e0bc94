"""A real server and python-socketio overview tabs: a changed card reaches a screen once, through the room of its
machine (components/card_rooms.py), and only screens that may see the machine are in that room (issue 24)."""
import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import socketio

from tests.browser.server import ADMIN_PASSWORD, free_port, running_server
from tests.test_live_socket_security import connect_tab, signed_in, wait_for

pytestmark = pytest.mark.slow
TECH = {'username': 'tech1', 'name': 'Tech One', 'role': 'ctp_user', 'password': 'tablet-pass-2026'}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with running_server(tmp_path / 'data', free_port()) as base:
        yield base


def recorder(tab: socketio.AsyncClient) -> list[dict]:
    """Every room card the tab receives."""
    cards: list[dict] = []

    @tab.on('ctp_card')
    async def on_card(message: dict) -> None:
        cards.append(message)
    return cards


def card_updates(tab: socketio.AsyncClient) -> list[dict]:
    """The `card` props in the page's own update messages (a card sent to this screen alone)."""
    found: list[dict] = []

    @tab.on('update')
    async def on_update(message: dict) -> None:
        for element in message.values():  # {element id: element, ..., '_id': message id}
            if isinstance(element, dict) and 'card' in (element.get('props') or {}):
                found.append(element['props']['card'])
    return found


async def report(admin: httpx.AsyncClient, machine_id: int, text: str) -> int:
    response = await admin.post('/api/ctp-problem-logs', json={'machine_id': machine_id, 'problem_description': text,
                                                               'is_stopping': True})
    assert response.status_code == 201, response.text
    return response.json()['id']  # type: ignore[no-any-return]


async def test_a_screen_receives_room_cards_only_for_machines_it_may_see(server: str) -> None:
    headers = {'X-CTP-Request': '1', 'Origin': server}
    async with httpx.AsyncClient(base_url=server, headers=headers, timeout=30) as admin, \
            httpx.AsyncClient(base_url=server, headers=headers, timeout=30) as tablet:
        await signed_in(admin, 'admin', ADMIN_PASSWORD)
        magnus = (await admin.post('/api/ctp-machines', json={'name': 'Magnus'})).json()['id']
        avalon = (await admin.post('/api/ctp-machines', json={'name': 'Avalon'})).json()['id']
        tech = (await admin.post('/api/users', json={**TECH, 'machine_ids': [magnus]})).json()['id']
        await signed_in(tablet, TECH['username'], TECH['password'])
        tech_tab = await connect_tab(tablet, server, '/', {'Origin': server})
        admin_tab = await connect_tab(admin, server, '/', {'Origin': server})
        tech_cards, admin_cards, own = recorder(tech_tab), recorder(admin_tab), card_updates(tech_tab)
        await asyncio.sleep(1.0)  # both screens joined their rooms at the handshake

        await report(admin, avalon, 'Avalon banding')
        await report(admin, magnus, 'Magnus drum')
        assert await wait_for(lambda: any('Magnus drum' in str(c) for c in tech_cards), 10)
        assert await wait_for(lambda: any('Avalon banding' in str(c) for c in admin_cards), 10)
        assert await wait_for(lambda: any('Magnus drum' in str(c) for c in admin_cards), 10)
        assert {c['id'] for c in tech_cards} == {magnus}  # never a card of a machine outside its scope
        assert len([c for c in tech_cards if 'Magnus drum' in str(c)]) == 1  # one message for the change
        await asyncio.sleep(0.5)
        assert not [c for c in own if 'Magnus drum' in str(c)]  # and not sent again as this screen's own update

        # an access change moves the screen out of the room: Magnus is no longer its machine
        moved = await admin.put(f'/api/users/{tech}/machines', json={'machine_ids': [avalon]})
        assert moved.status_code == 200, moved.text
        await asyncio.sleep(1.5)
        tech_cards.clear()
        admin_cards.clear()
        await report(admin, magnus, 'Magnus again')  # the cards now count two open problems
        await report(admin, avalon, 'Avalon again')
        assert await wait_for(lambda: any(c['id'] == avalon for c in tech_cards), 10)
        assert await wait_for(lambda: {c['id'] for c in admin_cards} == {magnus, avalon}, 10)
        await asyncio.sleep(0.5)
        assert {c['id'] for c in tech_cards} == {avalon}
        await tech_tab.disconnect()
        await admin_tab.disconnect()
