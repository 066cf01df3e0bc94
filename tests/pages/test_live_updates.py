"""Two screens at once: changes appear on every screen allowed to see them, and only there."""
from collections.abc import Callable

from nicegui.testing import User
from sqlalchemy import event
from sqlmodel import select

from app.db import get_engine, session_scope
from app.models import CTPMachine, Role
from app.models import User as UserRow
from app.services import board_cache, users
from tests.factories import PASSWORD, actor, complete, make_machine, make_user, report, seeded_category
from tests.pages.signin import WAIT, sign_in


def _report_as(username: str, machine_id: int, **fields: object) -> int:
    with session_scope() as session:
        who = session.exec(select(UserRow).where(UserRow.username == username)).one()
        return report(session, who, session.get(CTPMachine, machine_id), **fields)  # type: ignore[arg-type]


def _complete_as(username: str, log_id: int) -> None:
    with session_scope() as session:
        complete(session, session.exec(select(UserRow).where(UserRow.username == username)).one(), log_id)


def _plant() -> tuple[int, int, int]:
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800')
        avalon = make_machine(session, 'Agfa Avalon N8-90')
        make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
        make_user(session, 'tech2', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
        make_user(session, 'tech3', Role.CTP_USER, [avalon.id])  # type: ignore[list-item]
        subsystem = seeded_category(session, 'Imaging head / laser')
        return magnus.id, avalon.id, subsystem.id  # type: ignore[return-value]


async def test_a_report_elsewhere_turns_the_other_screens_red_with_a_toast(
        create_user: Callable[[], User]) -> None:
    # NiceGUI's simulation routes ui.navigate/ui.notify to the last user touched, so the report comes
    # from "another tablet" (the service, as the API does) while two screens watch.
    magnus, _, _ = _plant()
    admin, watcher = create_user(), create_user()
    await sign_in(admin, 'admin', 'admin-pass-123')
    await sign_in(watcher, 'tech2', PASSWORD)
    await watcher.should_see(marker=f'machine-{magnus}', content='RUNNING')
    _report_as('tech1', magnus)
    await watcher.should_see('Kodak Magnus Q800: problem reported · machine DOWN', retries=WAIT)  # the toast
    await watcher.should_see(marker=f'machine-{magnus}', content='DOWN', retries=WAIT)
    await watcher.should_see(marker='unread', content='1', retries=WAIT)
    await admin.should_see(marker=f'machine-{magnus}', content='DOWN', retries=WAIT)
    await admin.should_see(marker='unread', content='1', retries=WAIT)


async def test_a_screen_without_the_machine_neither_changes_nor_toasts(create_user: Callable[[], User]) -> None:
    magnus, _, _ = _plant()
    outsider = create_user()
    await sign_in(outsider, 'tech3', PASSWORD)
    await outsider.should_see('Agfa Avalon N8-90')
    _report_as('tech1', magnus)
    await outsider.should_not_see('Kodak Magnus Q800')
    await outsider.should_not_see('DOWN')
    await outsider.should_not_see(marker='unread')


async def test_completing_turns_the_card_back_to_running_everywhere(create_user: Callable[[], User]) -> None:
    magnus, _, _ = _plant()
    first, second = create_user(), create_user()
    await sign_in(first, 'admin', 'admin-pass-123')
    await sign_in(second, 'tech2', PASSWORD)
    log_id = _report_as('tech1', magnus)
    for screen in (first, second):
        await screen.should_see(marker=f'machine-{magnus}', content='DOWN', retries=WAIT)
    _complete_as('tech1', log_id)
    for screen in (first, second):
        await screen.should_see(marker=f'machine-{magnus}', content='RUNNING', retries=WAIT)


class BoardStatements:
    """Counts the SQL statements that read what the board shows (machines, stops, problems), not notifications."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> 'BoardStatements':
        event.listen(get_engine(), 'before_cursor_execute', self._seen)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(get_engine(), 'before_cursor_execute', self._seen)

    def _seen(self, _conn: object, _cursor: object, statement: str, *_: object) -> None:
        text = statement.lower()
        if text.lstrip().startswith(('select', 'with')) and 'ctp_notifications' not in text and \
                any(table in text for table in ('ctp_machines', 'downtime_segments', 'ctp_problem_logs')):
            self.count += 1


async def _statements_for_a_change(screens: list[User], username: str, machine_id: int, name: str,
                                   word: str) -> int:
    _report_as(username, machine_id, is_stopping=word == 'DOWN')  # the service's statements run before counting
    with BoardStatements() as counter:
        for screen in screens:
            await screen.should_see(marker=f'machine-{machine_id}', content=word, retries=WAIT)
            await screen.should_see(f'{name} · Uncategorised', retries=WAIT)
    return counter.count


async def test_one_change_costs_one_read_for_all_screens(create_user: Callable[[], User]) -> None:
    magnus, avalon, _ = _plant()
    screens = [create_user() for _ in range(4)]
    await sign_in(screens[0], 'admin', 'admin-pass-123')
    one_screen = await _statements_for_a_change(screens[:1], 'tech1', magnus, 'Kodak Magnus Q800', 'DOWN')
    for screen in screens[1:]:
        await sign_in(screen, 'admin', 'admin-pass-123')
    before = board_cache.read_count()
    # a non-stopping problem, so the recent list costs the same statements as in the first round
    four_screens = await _statements_for_a_change(screens, 'tech3', avalon, 'Agfa Avalon N8-90', 'DEGRADED')
    assert one_screen > 0
    assert four_screens == one_screen
    assert board_cache.read_count() - before == 2  # the changed machine once, the recent list once


async def test_unassigning_a_machine_removes_it_from_the_open_screens(create_user: Callable[[], User]) -> None:
    magnus, avalon, _ = _plant()
    board, detail = create_user(), create_user()
    await sign_in(board, 'tech1', PASSWORD)
    await sign_in(detail, 'tech1', PASSWORD, then=f'/machines/{magnus}')
    await board.should_see('Kodak Magnus Q800')
    with session_scope() as session:
        admin = session.exec(select(UserRow).where(UserRow.username == 'admin')).one()
        tech1 = session.exec(select(UserRow).where(UserRow.username == 'tech1')).one()
        users.set_assignments(session, actor=actor(admin), user_id=tech1.id, machine_ids=[avalon])  # type: ignore[arg-type]
    await board.should_see('Agfa Avalon N8-90', retries=WAIT)
    await board.should_not_see('Kodak Magnus Q800', retries=WAIT)
    await detail.should_see('not found', retries=WAIT)
