"""A real server and python-socketio tabs: a user's bell (the unread count and the newest notifications) is read and
built once per change and reaches every screen of that user in one room message (components/bell_rooms.py); no other
user's screen receives it, and a live screen gets no update of its own for it (issue 24)."""
import asyncio

import pytest

from tests.test_card_rooms import (  # noqa: F401 - server: the fixture
    own_props,
    received,
    report,
    server,
    two_machines_and_a_technician,
)
from tests.test_live_socket_security import connect_tab, wait_for

pytestmark = pytest.mark.slow


async def test_a_users_screens_share_one_bell_message_and_no_other_user_gets_it(server: str) -> None:  # noqa: F811
    async with two_machines_and_a_technician(server) as (admin, tablet, magnus, avalon, _tech):
        tech_tab = await connect_tab(tablet, server, '/', {'Origin': server})
        first = await connect_tab(admin, server, '/', {'Origin': server})
        second = await connect_tab(admin, server, '/problems', {'Origin': server})  # the bell is on every page
        tech_bells, first_bells, second_bells = (received(tab, 'ctp_bell') for tab in (tech_tab, first, second))
        own = [own_props(tab, 'bell') for tab in (first, second)]
        await asyncio.sleep(1.0)  # the screens joined their rooms at the handshake
        for found in own:
            found.clear()

        await report(tablet, magnus, 'Magnus drum')  # the admin is told; the reporter is not
        assert await wait_for(lambda: any(b['unread'] == 1 for b in second_bells), 30)
        [bell] = [b for b in first_bells if b['unread'] == 1]
        assert [b['seq'] for b in second_bells if b['unread'] == 1] == [bell['seq']]  # one message for both
        assert bell['text'] == '1'
        assert 'Magnus' in bell['items'][0]['message'] and bell['items'][0]['type'] == 'warning'
        await report(admin, avalon, 'Avalon banding')  # nobody else in the plant is told of the admin's own report
        await asyncio.sleep(0.5)
        assert tech_bells == []  # never another user's bell
        assert own == [[], []]  # the room's message was the update: nothing sent to one screen alone

        marked = await admin.put('/api/ctp-notifications/read-all')
        assert marked.status_code == 200, marked.text
        assert await wait_for(lambda: first_bells[-1]['unread'] == 0 and second_bells[-1]['unread'] == 0, 30)
        assert first_bells[-1]['seq'] == second_bells[-1]['seq']
        for tab in (tech_tab, first, second):
            await tab.disconnect()
