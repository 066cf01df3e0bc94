"""The board cache: scope filtering, one read per change, retired machines hidden, recent lists per scope."""
import asyncio

from sqlmodel import Session

from app import events
from app.models import Role
from app.models.schemas import MachineUpdate
from app.services import board_cache, machines
from tests.factories import actor, make_machine, make_user, report


async def test_rows_follow_the_scope_and_a_change_is_read_once(session: Session) -> None:
    events.bind_loop(asyncio.get_running_loop())  # services publish on this loop, as in the server
    magnus, avalon = make_machine(session, 'Kodak Magnus Q800'), make_machine(session, 'Agfa Avalon N8-90')
    tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    scope = board_cache.scope_of(session, actor(tech))
    assert [row.name for row in board_cache.board_rows(scope)] == ['Kodak Magnus Q800']
    assert [row.name for row in board_cache.board_rows(None)] == ['Agfa Avalon N8-90', 'Kodak Magnus Q800']
    before = board_cache.read_count()
    report(session, tech, magnus)  # publishes machine_changed; the cache marks the machine stale
    for _ in range(10):
        rows = board_cache.board_rows(scope)
    assert rows[0].status == 'down'
    assert board_cache.board_rows(None)[0].name == 'Kodak Magnus Q800'  # red first
    assert board_cache.read_count() - before == 1
    assert avalon.id is not None


async def test_retired_machines_leave_the_board(session: Session) -> None:
    events.bind_loop(asyncio.get_running_loop())
    magnus = make_machine(session, 'Kodak Magnus Q800')
    admin = make_user(session, 'boss', Role.ADMIN)
    assert len(board_cache.board_rows(None)) == 1
    machines.update_machine(session, actor=actor(admin), machine_id=magnus.id,  # type: ignore[arg-type]
                            changes=MachineUpdate(retired=True))
    assert board_cache.board_rows(None) == []


async def test_recent_problems_are_per_scope_and_renewed_by_a_problem_change(session: Session) -> None:
    events.bind_loop(asyncio.get_running_loop())
    magnus, avalon = make_machine(session, 'Kodak Magnus Q800'), make_machine(session, 'Agfa Avalon N8-90')
    tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    other = make_user(session, 'tech3', Role.CTP_USER, [avalon.id])  # type: ignore[list-item]
    report(session, other, avalon, description='Laser power low')
    scope = board_cache.scope_of(session, actor(tech))
    assert board_cache.recent_problems(scope) == []
    report(session, tech, magnus, description='Plate jam')
    assert [p.problem_description for p in board_cache.recent_problems(scope)] == ['Plate jam']
    assert len(board_cache.recent_problems(None)) == 2
    events.problem_log_changed.emit(999)
    assert len(board_cache.recent_problems(None)) == 2
