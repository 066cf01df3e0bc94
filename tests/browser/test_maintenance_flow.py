"""Real Chromium on a tablet: a technician does a developer bath change with its readings; a reading out of limits
opens the problem form pre-filled; the screens are axe-clean with 48 px targets."""
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session

from app.db import build_engine
from app.models import MaintenanceOrder, Role, utcnow
from app.models.maintenance_schemas import StepIn, TaskIn
from app.services.maintenance import plans
from tests.browser.server import TABLET, database_url, require_chromium, running_server
from tests.browser.test_accessibility import _check
from tests.factories import PASSWORD, actor, make_machine, make_user, seeded_category

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PORT = 8357
WAIT = 15_000  # ms


@pytest.fixture
def plant(tmp_path: Path) -> Iterator[tuple[str, int]]:
    require_chromium()
    data = tmp_path / 'server-data'
    with running_server(data, PORT) as base:
        engine = build_engine(database_url(data))
        with Session(engine, expire_on_commit=False) as session:
            seeded_category(session, 'Planned maintenance')
            machine = make_machine(session, 'Processor A')
            make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
            planner = make_user(session, 'planner', Role.ADMIN)
            task = plans.create_task(session, actor=actor(planner), task_in=TaskIn(
                machine_id=machine.id, title='Developer bath change', every_n=4, every_unit='week',  # type: ignore[arg-type]
                needs_stop=True, steps=[StepIn(label='Drain the old developer'),
                                        StepIn(label='Developer conductivity', unit='mS/cm', min_value=70,
                                               max_value=90)]))
            order = session.exec(select(MaintenanceOrder).where(MaintenanceOrder.task_id == task.id)).scalars().one()
            order.due_at = utcnow() - timedelta(minutes=5)
            session.add(order)
            session.commit()
            order_id = order.id
        engine.dispose()
        yield base, order_id  # type: ignore[misc]


def test_bath_change_on_a_tablet_with_an_out_of_limits_reading(plant: tuple[str, int], browser: Any) -> None:
    base, order_id = plant
    page = browser.new_context(viewport=TABLET, has_touch=True).new_page()
    page.goto(f'{base}/login')
    page.get_by_label('User name').fill('tech1')
    page.get_by_label('Password').fill(PASSWORD)
    page.get_by_role('button', name='Sign in').click()
    page.wait_for_url(f'{base}/')
    assert _check(page, f'{base}/maintenance', 'maintenance @ tablet') == []
    page.get_by_text('Processor A: Developer bath change').click()
    page.wait_for_url(f'{base}/maintenance/{order_id}')
    page.get_by_role('button', name='Start (stops the machine)').click()
    page.get_by_text('Planned stop of this task').wait_for(timeout=WAIT)
    assert _check(page, f'{base}/maintenance/{order_id}', 'maintenance task @ tablet') == []
    page.get_by_role('checkbox', name='Drain the old developer').click()
    page.get_by_label('Developer conductivity (mS/cm)').fill('95')
    page.keyboard.press('Tab')
    problem = 'Developer conductivity: 95 mS/cm (limits 70–90 mS/cm)'
    page.get_by_text(f'Outside its limits: {problem}').wait_for(timeout=WAIT)
    page.get_by_role('button', name='Open a problem').click()
    page.wait_for_url(f'{base}/machines/*/report?*')
    assert page.get_by_label('What happened?').input_value(timeout=WAIT) == problem
    page.goto(f'{base}/maintenance/{order_id}')
    page.get_by_label('Note').fill('New developer, conductivity to be checked again tomorrow')
    page.get_by_role('button', name='Done').click()
    page.get_by_text('Done', exact=True).first.wait_for(timeout=WAIT)
    page.goto(f'{base}/')
    page.locator('.q-card', has_text='Processor A').get_by_text('RUNNING').wait_for(timeout=WAIT)
    page.context.close()
