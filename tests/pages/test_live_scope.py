"""Live updates wake only the screens that can see the change (issue 18, SECURITY.md Z4): a change on a machine
outside a screen's scope neither reloads an overview nor a wall display (components/coalesce.py counts the runs)."""
import asyncio
import gc

from nicegui.testing import User
from sqlalchemy import select
from sqlmodel import Session

from app.db import session_scope
from app.models import CTPMachine, Role
from app.models import User as Person
from app.models.schemas import CommentCreate
from app.services import comments, displays
from components.coalesce import Coalesced
from tests.factories import PASSWORD, actor, make_machine, make_user, report
from tests.pages.signin import WAIT, sign_in
from tests.pages.test_display import LIVE, pair

SETTLE = 1.0  # seconds for an event's (unwanted) reload to have run, were it requested


def coalesced(name: str, user: User | None = None) -> Coalesced:
    """The page's one live-update runner of that name (of `user`'s page if given)."""
    found = [o for o in gc.get_objects() if isinstance(o, Coalesced) and o.name == name and not o.client.is_deleted
             and (user is None or o.client is user.client)]
    assert len(found) == 1, found
    return found[0]


def plant() -> tuple[int, int]:
    """Magnus (tech1's) and Avalon (not tech1's); the admin `boss` reports on both."""
    with session_scope() as session:
        magnus, avalon = make_machine(session, 'Magnus'), make_machine(session, 'Avalon')
        make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
        make_user(session, 'boss', Role.ADMIN)
        return magnus.id, avalon.id  # type: ignore[return-value]


def boss(session: Session) -> Person:
    return session.exec(select(Person).where(Person.username == 'boss')).scalars().one()  # type: ignore[no-any-return]


def report_on(machine_id: int, description: str) -> int:
    with session_scope() as session:
        machine = session.get(CTPMachine, machine_id)
        return report(session, boss(session), machine, description=description)  # type: ignore[arg-type]


async def test_an_overview_is_not_woken_by_a_machine_outside_its_scope(user: User) -> None:
    magnus, avalon = plant()
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see('Magnus', retries=WAIT)
    update = coalesced('overview-update', user)
    before = update.runs
    log_id = report_on(avalon, 'Avalon banding')
    with session_scope() as session:
        comments.add_comment(session, actor=actor(boss(session)), log_id=log_id, comment_in=CommentCreate(body='seen'))
    await asyncio.sleep(SETTLE)
    assert update.runs == before
    await user.should_not_see('Avalon banding')
    report_on(magnus, 'Magnus plate jam')  # the control: a change in scope does wake it
    await user.should_see('Magnus plate jam', retries=WAIT)
    assert update.runs > before


async def test_a_wall_display_is_not_woken_by_a_machine_outside_its_scope(user: User) -> None:
    magnus, avalon = plant()
    with session_scope() as session:
        _, code = displays.register_display(session, actor=actor(boss(session)), name='Wall', machine_ids=[magnus])
    await pair(user, code)
    await user.open('/display')
    await user.should_see('Magnus', retries=LIVE)
    reload = coalesced('wall-update', user)
    before = reload.runs
    report_on(avalon, 'Avalon banding')
    await asyncio.sleep(SETTLE)
    assert reload.runs == before
    report_on(magnus, 'Magnus plate jam')
    await user.should_see('DOWN', retries=LIVE)
    assert reload.runs > before


async def test_a_change_arriving_while_the_app_stops_starts_no_screen_update(user: User) -> None:
    """A change committed while the server shuts down (its event reaches the loop after the tasks were cancelled)
    must not leave a screen update behind: a task created then never runs, outlives its event loop, and the next
    start's shutdown could not cancel it."""
    from nicegui import background_tasks, core
    from nicegui.app.app import State

    magnus, _ = plant()
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see('Magnus', retries=WAIT)
    update = coalesced('overview-update', user)
    await asyncio.sleep(SETTLE)  # the page's own first loads have ended
    before = set(background_tasks.running_tasks)
    core.app._state = State.STOPPING  # not monkeypatch: its undo would run after the app's own stop, and restart it
    try:
        update.request()
    finally:
        core.app._state = State.STARTED
    assert set(background_tasks.running_tasks) == before
    assert not update.running
