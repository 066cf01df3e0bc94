"""The wall display: pairing, scope, revocation, tiles and counters, rotation (simulated user)."""
import asyncio
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from nicegui.testing import User

from app.config import get_settings
from app.db import session_scope
from app.models import Role, utcnow
from app.models.schemas import ProblemLogUpdate
from app.services import displays, problem_logs
from components.wall import pages_of
from tests.factories import actor, make_machine, make_user, report, seeded_category

pytestmark = pytest.mark.dates  # tests/clock.py: CI runs these at every pinned moment
LIVE = 30  # a pushed change reaches the board in ~0.3-0.7 s on a loaded machine (a board read in a worker thread)


def register(machine_ids: list[int] | None = None) -> tuple[int, str]:
    with session_scope() as session:
        admin = make_user(session, 'boss', Role.ADMIN)
        info, code = displays.register_display(session, actor=actor(admin), name='Plate room wall',
                                               machine_ids=machine_ids)
    return info.id, code


async def pair(user: User, code: str) -> None:
    response = await user.http_client.get(f'/display/pair?code={code}')
    assert response.status_code == 303 and response.headers['location'] == '/display'
    cookie = response.headers['set-cookie']
    assert 'ctp_display=' in cookie and 'HttpOnly' in cookie and code not in cookie


async def test_unpaired_screen_says_so(user: User) -> None:
    await user.open('/display')
    await user.should_see('This screen is not paired', retries=LIVE)


async def test_paired_display_shows_its_machines_live(user: User) -> None:
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800', nickname='Magnus')
        make_machine(session, 'Avalon')  # not paired with the screen: must not show (asserted below)
        tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    _, code = register([magnus.id])  # type: ignore[list-item]
    await pair(user, code)
    await user.open('/display')
    await user.should_see('Magnus', retries=LIVE)
    await user.should_see('RUNNING', retries=LIVE)
    await user.should_not_see('Avalon')
    with session_scope() as session:
        report(session, tech, magnus, start=utcnow() - timedelta(minutes=42),
               category_id=seeded_category(session, 'Plate loading / autoloader', 'Plate jam').id)
    await user.should_see('DOWN', retries=LIVE)
    await user.should_see('42 min', retries=LIVE)
    await user.should_see('Plate loading / autoloader – Plate jam', retries=LIVE)
    await user.should_see('NOT ACKNOWLEDGED', retries=LIVE)  # 42 min and nobody took it: replaces UNASSIGNED


async def test_pairing_code_works_once(user: User) -> None:
    _, code = register()
    await pair(user, code)
    again = await user.http_client.get(f'/display/pair?code={code}')
    assert again.status_code == 404
    assert again.headers['content-type'].startswith('text/html')  # the wall screen shows a page, not JSON
    assert 'This pairing link is no longer valid' in again.text and 'Admin &rarr; Displays' in again.text
    assert '"error"' not in again.text


async def test_revoking_cuts_the_open_board_off(user: User) -> None:
    with session_scope() as session:
        make_machine(session, 'Kodak Magnus Q800', nickname='Magnus')
    display_id, code = register()
    await pair(user, code)
    await user.open('/display')
    await user.should_see('Magnus', retries=LIVE)
    with session_scope() as session:
        admin = make_user(session, 'admin2', Role.ADMIN)
        displays.revoke_display(session, actor=actor(admin), display_id=display_id)
    await user.should_see('This screen is not paired', retries=LIVE)
    await user.should_see('It was paired once, but that display was revoked', retries=LIVE)
    response = await user.http_client.get('/api/ctp-machines')
    assert response.status_code == 401
    await user.open('/display')  # the revoked device's cookie, on a fresh load: the same friendly page
    await user.should_see('It was paired once, but that display was revoked', retries=LIVE)


async def test_admin_sees_when_each_display_was_last_in_contact_and_whether_it_is_connected(user: User) -> None:
    from tests.factories import PASSWORD
    from tests.pages.signin import sign_in
    with session_scope() as session:
        make_machine(session, 'Kodak Magnus Q800')
    start = utcnow().replace(microsecond=0)
    with time_machine.travel(start, tick=True):
        _, code = register()
        await pair(user, code)  # pairing is the first contact
    with time_machine.travel(start + timedelta(seconds=40), tick=True):
        await sign_in(user, 'boss', PASSWORD)
        await user.open('/admin/displays')
        await user.should_see('connected now', retries=LIVE)
        zone = get_settings().zone
        await user.should_see(f'last contact {start.astimezone(zone):%d %b %H:%M} ({zone.key})', retries=LIVE)
    with time_machine.travel(start + timedelta(minutes=5), tick=True):  # no board open since: no heartbeat
        await user.open('/admin/displays')
        await user.should_see('not connected', retries=LIVE)
        await user.should_not_see('connected now')


async def test_display_reads_its_board_and_nothing_else(user: User) -> None:
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800')
        other = make_machine(session, 'Avalon')
    _, code = register([magnus.id])  # type: ignore[list-item]
    await pair(user, code)
    await user.open('/display')
    await user.should_see('Kodak Magnus Q800', retries=LIVE)
    await user.should_not_see('Avalon')
    assert (await user.http_client.get('/api/ctp-machines')).status_code == 403
    assert (await user.http_client.get(f'/api/ctp-machines/{other.id}')).status_code == 403
    assert (await user.http_client.get('/api/ctp-problem-logs')).status_code == 403
    write = await user.http_client.post('/api/ctp-problem-logs', json={'machine_id': magnus.id,
                                                                       'problem_description': 'x'})
    assert write.status_code == 403
    assert (await user.http_client.get('/api/exports/problem-logs.csv')).status_code == 403


async def test_unacknowledged_stop_flashes_after_the_delay_and_vendor_badge(user: User) -> None:
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800', nickname='Magnus')
        tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
        start = utcnow() - timedelta(minutes=11)
        log_id = report(session, tech, magnus, start=start)
    _, code = register()
    await pair(user, code)
    await user.open('/display')
    await user.should_see('NOT ACKNOWLEDGED', retries=LIVE)
    called = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=5)
    with session_scope() as session:
        problem_logs.update_problem(session, actor=actor(tech), log_id=log_id,
                                    changes=ProblemLogUpdate(status='in_progress', vendor_called_at=called))
    await user.should_see('Tech1', retries=LIVE)
    await user.should_not_see('NOT ACKNOWLEDGED')
    from app.config import get_settings
    await user.should_see(f'Vendor called {called.astimezone(get_settings().zone):%H:%M}', retries=LIVE)


async def test_signed_in_manager_can_open_the_board(user: User) -> None:
    from tests.factories import PASSWORD
    from tests.pages.signin import sign_in
    with session_scope() as session:
        make_machine(session, 'Kodak Magnus Q800', nickname='Magnus')
        make_user(session, 'maria', Role.MANAGER)
    await sign_in(user, 'maria', PASSWORD)
    await user.should_see('Overview', retries=50)
    await user.open('/display')
    await user.should_see('Magnus', retries=LIVE)


async def test_a_session_ended_by_deactivation_does_not_open_the_board_after_reactivation(user: User) -> None:
    from app.services import users
    from tests.conftest import api_login
    from tests.factories import PASSWORD
    with session_scope() as session:
        make_machine(session, 'Kodak Magnus Q800', nickname='Magnus')
        maria = make_user(session, 'maria', Role.MANAGER)
        admin = actor(users.find_by_username(session, 'admin'))  # type: ignore[arg-type]
    assert (await api_login(user.http_client, 'maria', PASSWORD)).status_code == 200
    await user.open('/display')
    await user.should_see('Magnus', retries=LIVE)
    with session_scope() as session:
        for active in (False, True):
            users.update_user(session, actor=admin, user_id=maria.id, changes={'is_active': active})  # type: ignore[arg-type]
    await user.open('/display')
    await user.should_see('This screen is not paired', retries=LIVE)


def test_pages_rotate_with_red_tiles_pinned() -> None:
    from app.models.schemas import MachinePublic
    now = utcnow()

    def machine(i: int, status: str) -> MachinePublic:
        return MachinePublic(id=i, name=f'M{i}', nickname=None, status=status, description=None, maker_model=None,  # type: ignore[arg-type]
                             location=None, retired_at=None, created_at=now, updated_at=now)
    tiles = [machine(1, 'down')] + [machine(i, 'operational') for i in range(2, 8)]
    pages = pages_of(tiles, 3)
    assert len(pages) == 3
    assert all(p[0].id == 1 for p in pages)
    assert sorted(t.id for p in pages for t in p[1:]) == [2, 3, 4, 5, 6, 7]
    assert pages_of(tiles[:3], 3) == [tiles[:3]]


async def test_rotation_shows_the_page_counter(user: User) -> None:
    with session_scope() as session:
        for i in range(5):
            make_machine(session, f'Machine {i}')
    _, code = register()
    await pair(user, code)
    await user.open('/display?per_page=2')
    await user.should_see('page 1/3', retries=LIVE)


def _tile(user: User, machine_id: int) -> Any:
    """The tile element of a machine, or None when the board has not shown that machine yet."""
    try:
        return next(iter(user.find(marker=f'tile-{machine_id}').elements))
    except AssertionError:
        return None


async def test_a_change_rebuilds_only_the_changed_tile(user: User) -> None:
    with session_scope() as session:
        magnus, avalon = make_machine(session, 'Kodak Magnus Q800', nickname='Magnus'), make_machine(session, 'Avalon')
        tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    _, code = register()
    await pair(user, code)
    await user.open('/display')
    await user.should_see('Magnus', retries=LIVE)
    avalon_tile = _tile(user, avalon.id)
    avalon_shown = avalon_tile.props['tile']
    magnus_tile = _tile(user, magnus.id)
    with session_scope() as session:
        report(session, tech, magnus, description='Drum will not turn')
    await user.should_see('DOWN', retries=LIVE)
    await user.should_see('UNASSIGNED', retries=LIVE)
    assert _tile(user, magnus.id) is magnus_tile
    assert magnus_tile.props['tile']['bg'] == '#b71c1c'
    assert _tile(user, avalon.id) is avalon_tile
    assert avalon_tile.props['tile'] is avalon_shown  # untouched


async def test_rotation_keeps_its_tiles_and_pins_the_red_one(user: User, monkeypatch: Any) -> None:
    from components import wall
    monkeypatch.setattr(wall, 'ROTATE_SECONDS', 0.2)
    with session_scope() as session:
        machines = [make_machine(session, f'Machine {i}') for i in range(4)]
        tech = make_user(session, 'tech1', Role.CTP_USER, [machines[2].id])  # type: ignore[list-item]
        report(session, tech, machines[2])
    ids = [m.id for m in machines]
    _, code = register()
    await pair(user, code)
    await user.open('/display?per_page=2')
    await user.should_see('page 1/3', retries=LIVE)
    red = _tile(user, ids[2])
    pages_seen: set[frozenset[int]] = set()
    for _ in range(40):
        shown = frozenset(i for i in ids if (t := _tile(user, i)) is not None and t.visible)
        assert ids[2] in shown and len(shown) == 2, shown
        pages_seen.add(shown)
        await asyncio.sleep(0.05)
    assert len(pages_seen) == 3  # every machine came round, the red one on every page
    assert _tile(user, ids[2]) is red


async def test_a_slow_resync_never_paints_over_a_newer_push(user: User, monkeypatch: Any) -> None:
    """The minute's full re-read and a pushed change queue behind each other: a re-read that started before the
    change and ends after it never turns the red tile back to green."""
    import threading
    import time

    from components import wall, wall_data
    monkeypatch.setattr(wall, 'ROTATE_SECONDS', 0.2)
    monkeypatch.setattr(wall, 'RESYNC_TICKS', 1)
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800', nickname='Magnus')
        tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    real_load, armed, slow_read_started = wall_data.load_board, threading.Event(), threading.Event()

    def load(board_actor: Any) -> Any:
        data = real_load(board_actor)
        if armed.is_set() and not slow_read_started.is_set():
            slow_read_started.set()
            time.sleep(1.5)  # read before the change, finished after it
            wall.RESYNC_TICKS = 10**6  # no more re-reads: whatever this read paints stays
        return data

    monkeypatch.setattr(wall_data, 'load_board', load)
    _, code = register()
    await pair(user, code)
    await user.open('/display')
    await user.should_see('RUNNING', retries=LIVE)
    armed.set()
    for _ in range(100):
        if slow_read_started.is_set():
            break
        await asyncio.sleep(0.05)
    with session_scope() as session:
        report(session, tech, magnus, description='Drum will not turn')
    await user.should_see('DOWN', retries=LIVE)
    for _ in range(50):  # 2.5 s: past the slow read and many re-reads
        await user.should_not_see('RUNNING')
        await asyncio.sleep(0.05)


async def test_a_board_that_takes_seconds_to_read_still_opens(user: User, monkeypatch: Any) -> None:
    """A loaded server (a month-end export, a burst of machine signals) may need more than NiceGUI's default 3 s to
    build a page: the screen waits for it instead of showing "The page took longer than the response_timeout"."""
    import time

    from components import wall_data
    with session_scope() as session:
        make_machine(session, 'Kodak Magnus Q800', nickname='Magnus')
    real_load = wall_data.load_board
    monkeypatch.setattr(wall_data, 'load_board', lambda board_actor: time.sleep(3.5) or real_load(board_actor))
    _, code = register()
    await pair(user, code)
    await user.open('/display')
    await user.should_see('Magnus', retries=LIVE)


async def test_walls_of_one_scope_share_one_read_per_change(create_user: Any, monkeypatch: Any) -> None:
    """Three walls of the whole plant read the board once for a change, not once each (issue 24)."""
    from components import wall_data
    from tests.factories import PASSWORD
    from tests.pages.signin import screens_signed_in
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800', nickname='Magnus')
        tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
        make_user(session, 'maria', Role.MANAGER)
    walls = await screens_signed_in(create_user, 3, 'maria', PASSWORD)
    for screen in walls:
        await screen.open('/display')
        await screen.should_see('RUNNING', retries=LIVE)
    reads: list[object] = []
    real = wall_data.load_board
    monkeypatch.setattr(wall_data, 'load_board', lambda board_actor: reads.append(board_actor) or real(board_actor))
    with session_scope() as session:
        report(session, tech, magnus, description='Drum will not turn')
    for screen in walls:
        await screen.should_see('DOWN', retries=LIVE)
    assert len(reads) == 1


async def test_a_change_while_the_wall_is_first_read_is_not_missed(user: User, monkeypatch: Any) -> None:
    """A problem reported while a wall's board is read for the first time: the wall follows its room before it reads,
    and a read older than the shown one never paints over it."""
    from components.wall_data import WALL_READ
    from tests.pages.held_read import HeldRead
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800', nickname='Magnus')
        tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    held = HeldRead(WALL_READ, monkeypatch)  # the first read has the machine running and ends after the report
    _, code = register()
    await pair(user, code)
    opening = asyncio.create_task(user.open('/display'))
    await held.started(LIVE * 10)
    with session_scope() as session:
        report(session, tech, magnus, description='Drum will not turn')
    await held.release()
    await opening
    await user.should_see(marker=f'tile-{magnus.id}', content='DOWN', retries=LIVE)
    await asyncio.sleep(0.5)
    await user.should_not_see('RUNNING')
