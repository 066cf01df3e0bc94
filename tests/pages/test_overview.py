"""Sign-in and the overview with NiceGUI's simulated user."""
import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from nicegui import ui
from nicegui.testing import User

from app.db import session_scope
from app.models import Role, utcnow
from components.machine_card import MachineCard
from components.recent_list import RecentList
from tests.conftest import ADMIN_PASSWORD
from tests.factories import PASSWORD, complete, make_machine, make_user, report
from tests.pages.headings import headings
from tests.pages.signin import WAIT, screens_signed_in, sign_in


async def test_signed_out_visitor_is_sent_to_login(user: User) -> None:
    await user.open('/')
    await user.should_see('Sign in')


async def test_admin_signs_in_and_sees_every_machine(user: User) -> None:
    with session_scope() as session:
        make_machine(session, 'Kodak Magnus Q800')
        make_machine(session, 'Agfa Avalon N8-90')
    await sign_in(user, 'admin', ADMIN_PASSWORD)
    await user.should_see('Kodak Magnus Q800', retries=WAIT)
    await user.should_see('Agfa Avalon N8-90')


async def test_the_overview_reads_as_a_title_and_its_sections(user: User) -> None:
    """A screen reader's heading list: the screen's title (level 1), then its sections (level 2)."""
    await sign_in(user, 'admin', ADMIN_PASSWORD)
    await user.should_see('Recent problems', retries=WAIT)
    listed = headings(user)
    assert sorted(level for level, _ in listed) == ['1', '2'], listed
    assert ('2', 'Recent problems') in listed, listed


async def test_wrong_password_is_refused(user: User) -> None:
    await user.open('/login')
    user.find('User name').type('admin')
    user.find('Password').type('wrong-password')
    user.find('Sign in').click()
    await user.should_see('Wrong user name or password', retries=WAIT)


async def test_user_without_access_lands_on_a_plain_page(user: User) -> None:
    with session_scope() as session:
        make_user(session, 'visitor', Role.NONE)
    await user.open('/login')
    user.find('User name').type('visitor')
    user.find('Password').type(PASSWORD)
    user.find('Sign in').click()
    await user.should_see('no access to CTP Log', retries=WAIT)


async def test_new_problem_turns_the_card_red_without_reload(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see(marker=f'machine-{machine.id}', content='RUNNING')
    with session_scope() as session:
        report(session, tech, machine)
    await user.should_see(marker=f'machine-{machine.id}', content='DOWN', retries=WAIT)


async def test_card_shows_problem_counter_and_today(user: User) -> None:
    from datetime import timedelta

    from app.models import utcnow
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
        report(session, tech, machine, start=utcnow() - timedelta(minutes=72), description='Drum will not turn')
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see(marker=f'machine-{machine.id}', content='DOWN')
    await user.should_see('Drum will not turn')
    await user.should_see(marker=f'machine-{machine.id}', content='down for 1 h 12 min')
    await user.should_see('Who: UNASSIGNED')
    await user.should_see('Recent problems')


async def test_status_filter_hides_other_machines(user: User) -> None:
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800')
        make_machine(session, 'Agfa Avalon N8-90')
        tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
        report(session, tech, magnus)
    await sign_in(user, 'admin', ADMIN_PASSWORD)
    await user.should_see('Agfa Avalon N8-90')
    [toggle] = user.find(marker='status-filter').elements
    toggle.value = 'down'  # type: ignore[attr-defined]
    await user.should_not_see('Agfa Avalon N8-90', retries=WAIT)
    await user.should_see(marker=f'machine-{magnus.id}')


async def test_manager_sees_cards_without_report_buttons(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        make_user(session, 'boss', Role.MANAGER)
    await sign_in(user, 'boss', PASSWORD)
    await user.should_see('Kodak Magnus Q800')
    await user.should_not_see('Report problem')
    assert 'report' not in _one(user, f'machine-{machine.id}').props


async def test_a_technicians_card_ends_in_its_report_link(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see(marker=f'machine-{machine.id}', content='Report problem')
    report_link = _one(user, f'machine-{machine.id}').props['report']
    assert report_link['href'] == f'/machines/{machine.id}/report'


async def test_recent_problem_opens_its_page(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
        report(session, tech, machine, description='Chiller alarm')
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see(marker='recent')
    await user.should_see('Kodak Magnus Q800 · Uncategorised')
    [row] = _recent(user).rows
    assert row['href'] == '/problem-logs/1'
    await user.open(row['href'])
    await user.should_see(marker='problem-status', retries=WAIT)


def _one(user: User, marker: str) -> ui.element:
    [element] = user.find(marker=marker).elements
    return element


def _texts(element: ui.element) -> list[str]:
    """What a card shows (one element drawn from its data)."""
    assert isinstance(element, MachineCard)
    return element.texts()


def _recent(user: User) -> RecentList:
    element = _one(user, 'recent')
    assert isinstance(element, RecentList)
    return element


async def _until_listed(user: User, log_id: int, listed: bool = True) -> None:
    """Wait until the recent list shows (or no longer shows) that problem."""
    for _ in range(WAIT * 10):
        if (log_id in _recent(user).ids()) == listed:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f'problem {log_id} {"not " if listed else ""}listed: {_recent(user).ids()}')


async def _settled_element_ids(user: User) -> set[int]:
    """The ids of the page's elements, once they have stopped changing (pending updates applied)."""
    ids: set[int] = set()
    for _ in range(WAIT):
        await asyncio.sleep(0.2)
        now = set(user.client.elements)
        if now == ids:
            break
        ids = now
    return ids


def _board_order(user: User) -> list[int]:
    """The machine ids in the order the board shows its cards (their order in the page)."""
    board = _one(user, 'board')
    return [int(marker.removeprefix('machine-')) for element in board.default_slot.children
            for marker in element._markers if marker.startswith('machine-')]  # noqa: SLF001


async def test_a_problem_updates_only_its_card_in_place_and_moves_it_first(user: User) -> None:
    with session_scope() as session:
        agfa = make_machine(session, 'Agfa Avalon N8-90')
        kodak = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [agfa.id, kodak.id])  # type: ignore[list-item]
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see(marker=f'machine-{kodak.id}', content='RUNNING', retries=WAIT)
    assert _board_order(user) == [agfa.id, kodak.id]
    agfa_card, kodak_card = _one(user, f'machine-{agfa.id}'), _one(user, f'machine-{kodak.id}')
    agfa_lines, agfa_shown = list(agfa_card.descendants()), agfa_card.props['card']
    with session_scope() as session:
        log_id = report(session, tech, kodak, description='Drum will not turn')
    await user.should_see(marker=f'machine-{kodak.id}', content='DOWN', retries=WAIT)
    assert 'Drum will not turn' in _texts(kodak_card)
    assert _one(user, f'machine-{kodak.id}') is kodak_card  # updated, not rebuilt
    assert kodak_card.props['card']['cls'].startswith('bg-red-8 ')
    assert _one(user, f'machine-{agfa.id}') is agfa_card
    assert list(agfa_card.descendants()) == agfa_lines  # the same elements, none rebuilt
    assert agfa_card.props['card'] is agfa_shown  # and the other card was not sent again
    assert _board_order(user) == [kodak.id, agfa.id]  # red first
    assert _one(user, 'board-summary').text == '2 machines · 1 down'
    with session_scope() as session:
        complete(session, tech, log_id)
    await user.should_see(marker=f'machine-{kodak.id}', content='RUNNING', retries=WAIT)
    assert 'Drum will not turn' not in _texts(kodak_card)
    assert _board_order(user) == [agfa.id, kodak.id]
    assert kodak_card.props['card']['cls'].startswith('bg-green-9 ')
    assert _one(user, f'machine-{kodak.id}') is kodak_card


async def test_the_filter_follows_live_changes(user: User) -> None:
    with session_scope() as session:
        agfa = make_machine(session, 'Agfa Avalon N8-90')
        kodak = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [agfa.id, kodak.id])  # type: ignore[list-item]
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see(marker=f'machine-{kodak.id}', retries=WAIT)
    _one(user, 'status-filter').value = 'down'  # type: ignore[attr-defined]
    await user.should_not_see(marker=f'machine-{kodak.id}', retries=WAIT)
    await user.should_see('No machine with this status.')
    with session_scope() as session:
        log_id = report(session, tech, kodak)
    await user.should_see(marker=f'machine-{kodak.id}', retries=WAIT)
    await user.should_not_see('No machine with this status.')
    await user.should_not_see(marker=f'machine-{agfa.id}')
    with session_scope() as session:
        complete(session, tech, log_id)
    await user.should_not_see(marker=f'machine-{kodak.id}', retries=WAIT)
    _one(user, 'status-filter').value = 'all'  # type: ignore[attr-defined]
    await user.should_see(marker=f'machine-{kodak.id}', retries=WAIT)
    await user.should_see(marker=f'machine-{agfa.id}')


async def test_a_new_problem_tops_the_recent_list_which_keeps_ten(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
        first = report(session, tech, machine, start=utcnow() - timedelta(hours=20), description='problem 0',
                       is_stopping=False)
        for i in range(1, 10):
            log_id = report(session, tech, machine, start=utcnow() - timedelta(hours=20 - i),
                            description=f'problem {i}', is_stopping=False)
            complete(session, tech, log_id)
    await sign_in(user, 'tech1', PASSWORD)
    await _until_listed(user, first)
    before = _recent(user).ids()
    assert before[0] == log_id
    with session_scope() as session:
        newest = report(session, tech, machine, description='Chiller alarm', is_stopping=False)
    await _until_listed(user, newest)
    assert _recent(user).ids() == [newest, *before[:9]]  # the others one place lower, the 11th fell off
    assert first not in _recent(user).ids()
    with session_scope() as session:
        complete(session, tech, newest)
    for _ in range(WAIT * 10):
        if 'Completed' in _recent(user).texts(newest):
            break
        await asyncio.sleep(0.1)
    assert _recent(user).texts(newest)[:2] == ['Kodak Magnus Q800 · Uncategorised', 'Completed']


async def test_a_burst_of_changes_does_not_queue_one_update_per_change(user: User, monkeypatch: Any) -> None:
    from app import events
    from app.services import board_cache
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see(marker=f'machine-{machine.id}', content='RUNNING', retries=WAIT)
    loads = []
    real = board_cache.board_rows
    monkeypatch.setattr(board_cache, 'board_rows', lambda *read: loads.append(read) or real(*read))
    for _ in range(30):
        events.machine_changed.emit(machine.id)
    await asyncio.sleep(0.5)
    assert 1 <= len(loads) <= 2


async def test_screens_share_one_read_of_the_board_per_change(
        create_user: Callable[[], User], monkeypatch: Any) -> None:
    from app.services import board_cache
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    screens = await screens_signed_in(create_user, 3, 'admin', ADMIN_PASSWORD)
    for screen in screens:
        await screen.should_see(marker=f'machine-{machine.id}', content='RUNNING', retries=WAIT)
    reads: list[object] = []
    real = board_cache.board_rows
    monkeypatch.setattr(board_cache, 'board_rows', lambda *read: reads.append(read) or real(*read))
    with session_scope() as session:
        report(session, tech, machine)
    for screen in screens:
        await screen.should_see(marker=f'machine-{machine.id}', content='DOWN', retries=WAIT)
    assert len(reads) == 1  # not one per screen


async def test_problems_coming_and_going_build_no_new_elements_once_warm(user: User) -> None:
    with session_scope() as session:
        agfa = make_machine(session, 'Agfa Avalon N8-90')
        kodak = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [agfa.id, kodak.id])  # type: ignore[list-item]
        for i in range(10):  # a full recent list
            complete(session, tech, report(session, tech, agfa, start=utcnow() - timedelta(hours=20 - i),
                                           is_stopping=False))
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see(marker=f'machine-{kodak.id}', content='RUNNING', retries=WAIT)
    seen: list[set[int]] = []
    for machine, word in ((kodak, 'Drum will not turn'), (agfa, 'Chiller alarm'), (kodak, 'Plate jam again')):
        with session_scope() as session:
            log_id = report(session, tech, machine, description=word)
        await user.should_see(marker=f'machine-{machine.id}', content='DOWN', retries=WAIT)
        await _until_listed(user, log_id)
        assert word in _texts(_one(user, f'machine-{machine.id}'))
        seen.append(await _settled_element_ids(user))
        with session_scope() as session:
            complete(session, tech, log_id)
        await user.should_see(marker=f'machine-{machine.id}', content='RUNNING', retries=WAIT)
        assert word not in _texts(_one(user, f'machine-{machine.id}'))
    assert seen[2] == seen[1]  # the lines and rows that came were reused, not built (a new element has a new id)


async def test_a_page_closed_during_a_board_read_is_left_alone(user: User, monkeypatch: Any) -> None:
    """E.g. its user was deactivated: the read finishes after the page was dropped and must not touch it (an
    IndexError used to be logged; the user fixture fails the test on any ERROR log)."""
    import threading

    from app.services import board_cache
    from components.session import drop_client
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    await sign_in(user, 'admin', ADMIN_PASSWORD)
    await user.should_see(marker=f'machine-{machine.id}', content='RUNNING', retries=WAIT)
    gate, started, real = threading.Event(), threading.Event(), board_cache.board_rows

    def slow(*read: Any) -> Any:
        started.set()
        gate.wait(10)
        return real(*read)
    monkeypatch.setattr(board_cache, 'board_rows', slow)
    with session_scope() as session:
        report(session, tech, machine)
    for _ in range(WAIT):
        if started.is_set():
            break
        await asyncio.sleep(0.05)
    assert started.is_set()
    await drop_client(user.client)  # type: ignore[arg-type]
    gate.set()
    await asyncio.sleep(0.5)


async def test_a_live_screen_keeps_the_rooms_changes_and_catches_up_before_its_clock_ticks(
        user: User, monkeypatch: Any) -> None:
    """A screen whose socket is in its rooms takes a change without touching its elements (the rooms' messages draw
    it); before the clock's tick updates its cards it brings them up to the newest board, so the tick never draws
    a card as it was before the change."""
    from components import rooms, scope_rooms
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see(marker=f'machine-{machine.id}', content='RUNNING', retries=WAIT)
    monkeypatch.setattr(rooms, 'live', lambda client: True)  # as if a browser's socket were in the rooms
    card = _one(user, f'machine-{machine.id}')
    with session_scope() as session:
        report(session, tech, machine, description='Drum will not turn')
    for _ in range(WAIT * 10):  # until the scope's board with the problem was published
        if any('Drum will not turn' in str(view.payload['recent']) for view in scope_rooms.ROOMS.last.values()):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.2)
    assert 'RUNNING' in _texts(card)  # kept as it was: the room's message was this screen's update
    assert _recent(user).ids() == []
    [timer] = [element for element in user.client.elements.values() if isinstance(element, ui.timer)]
    assert timer.callback is not None
    timer.callback()
    assert 'DOWN' in _texts(card) and 'Drum will not turn' in _texts(card)
    assert 'Drum will not turn' in _recent(user).texts(_recent(user).ids()[0])


async def test_a_change_while_the_board_is_first_read_is_not_missed(user: User, monkeypatch: Any) -> None:
    """A problem reported while a screen's board is read for the first time: the screen follows its scope's room before
    it reads, so it shows the change, not the board as it was read before it."""
    from components.card_rooms import BOARD_READ
    from tests.pages.held_read import HeldRead
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    held = HeldRead(BOARD_READ, monkeypatch)  # the first read has the machine running and ends after the report
    opening = asyncio.create_task(sign_in(user, 'tech1', PASSWORD))
    await held.started(WAIT * 10)
    with session_scope() as session:
        report(session, tech, machine, description='Drum will not turn')
    await held.release()
    await opening
    await user.should_see(marker=f'machine-{machine.id}', content='DOWN', retries=WAIT)
    assert 'Drum will not turn' in _recent(user).texts(_recent(user).ids()[0])
