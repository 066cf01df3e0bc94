"""Machine detail: KPIs with n, charts, and the paginated, searchable problem history, live."""
import asyncio
from datetime import timedelta

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from app.config import get_settings
from app.db import session_scope
from app.models import CTPMachine, Role, utcnow
from app.models import User as UserRow
from tests.conftest import ADMIN_PASSWORD
from tests.factories import PASSWORD, complete, make_machine, make_user, report, seeded_category
from tests.pages.headings import headings
from tests.pages.signin import WAIT, sign_in

pytestmark = pytest.mark.dates  # tests/clock.py: CI runs these at every pinned moment


def _history(count: int = 3) -> int:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
        start = utcnow() - timedelta(days=2)
        for index in range(count):
            at = start + timedelta(hours=index)
            log_id = report(session, tech, machine, start=at, description=f'Plate jam number {index}')
            complete(session, tech, log_id, end=at + timedelta(minutes=30))
        return machine.id  # type: ignore[return-value]


async def test_kpis_show_downtime_mttr_and_n(user: User) -> None:
    machine_id = _history(3)
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{machine_id}')
    await user.should_see(marker='kpis', retries=WAIT)
    await user.should_see('1 h 30 min')          # 3 stops of 30 min
    await user.should_see('n = 3 stops')
    await user.should_see('30 min')               # MTTR
    await user.should_see(marker='downtime-chart')
    await user.should_see(marker='pareto-chart')
    await user.should_see('3 problems')


async def test_search_filters_the_history_in_the_database(user: User) -> None:
    machine_id = _history(3)
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{machine_id}')
    await user.should_see('3 problems', retries=WAIT)
    user.find(marker='search').type('number 1')
    await user.should_see('1 problem', retries=WAIT)
    [table] = user.find(marker='problem-table').elements
    assert [row['description'] for row in table.rows] == ['Plate jam number 1']  # type: ignore[attr-defined]


async def test_history_is_paginated_on_the_server(user: User) -> None:
    machine_id = _history(25)
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{machine_id}')
    await user.should_see('25 problems', retries=WAIT)
    [table] = user.find(marker='problem-table').elements
    assert len(table.rows) == 20  # type: ignore[attr-defined]
    [pages] = user.find(ui.pagination).elements
    pages.value = 2  # type: ignore[attr-defined]
    for _ in range(WAIT):
        if len(table.rows) == 5:  # type: ignore[attr-defined]
            break
        await asyncio.sleep(0.1)
    assert [row['description'] for row in table.rows][-1] == 'Plate jam number 0'  # type: ignore[attr-defined]


async def test_a_new_problem_appears_in_the_history_live(user: User) -> None:
    machine_id = _history(1)
    await sign_in(user, 'admin', ADMIN_PASSWORD, then=f'/machines/{machine_id}')
    await user.should_see('1 problem', retries=WAIT)
    with session_scope() as session:
        tech = session.exec(select(UserRow).where(UserRow.username == 'tech1')).one()
        report(session, tech, session.get(CTPMachine, machine_id), description='Laser power low')  # type: ignore[arg-type]
    await user.should_see('2 problems', retries=WAIT)
    await user.should_see(marker='machine-status', content='DOWN', retries=WAIT)


async def test_manager_sees_statistics_but_cannot_report(user: User) -> None:
    machine_id = _history(1)
    with session_scope() as session:
        make_user(session, 'boss', Role.MANAGER)
    await sign_in(user, 'boss', PASSWORD, then=f'/machines/{machine_id}')
    await user.should_see(marker='kpis', retries=WAIT)
    await user.should_not_see(marker='report')


async def test_machine_outside_the_scope_is_not_found(user: User) -> None:
    _history(1)
    with session_scope() as session:
        other = make_machine(session, 'Agfa Avalon N8-90')
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{other.id}')
    await user.should_see('Not found', retries=WAIT)  # the same page as every other route's "not found"
    await user.should_see(f'Machine {other.id} not found')
    await user.should_see('Back to the overview')
    levels = {text: level for level, text in headings(user)}
    assert sorted(levels.values()) == ['1', '2'], levels  # the screen's title, the refusal a section under it
    assert levels['Not found'] == '2', levels
    await user.should_not_see('Agfa Avalon N8-90')
    await user.should_not_see('Problem history')  # no empty, working-looking table under the message


async def test_range_switches_to_seven_days_and_to_a_custom_range(user: User) -> None:
    machine_id = _history(3)
    with session_scope() as session:
        tech = session.exec(select(UserRow).where(UserRow.username == 'tech1')).one()
        old = report(session, tech, session.get(CTPMachine, machine_id), start=utcnow() - timedelta(days=20))  # type: ignore[arg-type]
        complete(session, tech, old, end=utcnow() - timedelta(days=20) + timedelta(minutes=60))
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{machine_id}')
    await user.should_see('n = 4 stops', retries=WAIT)
    [toggle] = user.find(marker='range').elements
    toggle.value = 7  # type: ignore[attr-defined]
    await user.should_see('n = 3 stops', retries=WAIT)
    [toggle] = user.find(marker='range').elements
    toggle.value = 0  # type: ignore[attr-defined]
    await user.should_see(marker='custom-range', retries=WAIT)
    plant_day = (utcnow() - timedelta(days=20)).astimezone(get_settings().zone).date()  # the range is in plant days
    day = plant_day.isoformat().replace('-', '/')
    user.find(marker='custom-range').elements.pop().value = {'from': day, 'to': day}  # type: ignore[attr-defined]
    await user.should_see('n = 1 stop', retries=WAIT)


async def test_cause_filter_narrows_the_history(user: User) -> None:
    machine_id = _history(2)
    with session_scope() as session:
        tech = session.exec(select(UserRow).where(UserRow.username == 'tech1')).one()
        jam = seeded_category(session, 'Plate loading / autoloader', 'Plate jam')
        report(session, tech, session.get(CTPMachine, machine_id), category_id=jam.id,  # type: ignore[arg-type]
               description='Jammed at the cassette')
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{machine_id}')
    await user.should_see('3 problems', retries=WAIT)
    user.find(marker='subsystem-select').elements.pop().value = jam.parent_id  # type: ignore[attr-defined]
    await user.should_see('1 problem', retries=WAIT)
