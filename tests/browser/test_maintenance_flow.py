"""Real Chromium on a tablet: a technician does a developer bath change with its readings; a reading out of limits
opens the problem form pre-filled; the screens are axe-clean with 48 px targets. In English and in German, on one app
server: each language works its own machine's order."""
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session

from app.db import build_engine
from app.models import MaintenanceOrder, Role, User, utcnow
from app.models.maintenance_schemas import StepIn, TaskIn
from app.services.maintenance import plans
from tests.browser.screens import Words, shot, signed_in_page
from tests.browser.server import TABLET, database_url, free_port, require_chromium, running_server
from tests.browser.test_accessibility import View, _check
from tests.factories import PASSWORD, actor, make_machine, make_user, seeded_category

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WAIT = 15_000  # ms
TABLET_VIEW: View = ('tablet', 'tablet', TABLET)  # the screens checked as the story's tablet shows them
MACHINES = {'en': 'Processor A', 'de': 'Processor B'}  # each language's pass works its own machine's order


@pytest.fixture(scope='module')
def plant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, int]]]:
    """A bath change due on each machine; tech1 works both."""
    require_chromium()
    data = tmp_path_factory.mktemp('maintenance') / 'server-data'
    with running_server(data, free_port()) as base:
        engine = build_engine(database_url(data))
        with Session(engine, expire_on_commit=False) as session:
            seeded_category(session, 'Planned maintenance')
            machines = {code: make_machine(session, name) for code, name in MACHINES.items()}
            make_user(session, 'tech1', Role.CTP_USER, [m.id for m in machines.values()])  # type: ignore[misc]
            planner = make_user(session, 'planner', Role.ADMIN)
            orders = {code: _due_bath_change(session, planner, machine.id) for code, machine in machines.items()}  # type: ignore[arg-type]
        engine.dispose()
        yield base, orders


def _due_bath_change(session: Session, planner: User, machine_id: int) -> int:
    task = plans.create_task(session, actor=actor(planner), task_in=TaskIn(
        machine_id=machine_id, title='Developer bath change', every_n=4, every_unit='week',
        needs_stop=True, steps=[StepIn(label='Drain the old developer'),
                                StepIn(label='Developer conductivity', unit='mS/cm', min_value=70, max_value=90)]))
    order = session.exec(select(MaintenanceOrder).where(MaintenanceOrder.task_id == task.id)).scalars().one()
    order.due_at = utcnow() - timedelta(minutes=5)
    session.add(order)
    session.commit()
    return order.id  # type: ignore[return-value]


def test_bath_change_on_a_tablet_with_an_out_of_limits_reading(plant: tuple[str, dict[str, int]], browser: Any,
                                                               words: Words) -> None:
    base, orders = plant
    machine, order_id = MACHINES[words.code], orders[words.code]
    page = signed_in_page(browser, base, 'tech1', PASSWORD, TABLET, 30_000, words, at='/maintenance')
    axe = words.code == 'en'  # the screens' accessibility once (the German pass reads their words)
    assert not axe or _check(page, f'{base}/maintenance', 'maintenance', [TABLET_VIEW]) == []  # it opens the screen
    page.get_by_text(f'{machine}: Developer bath change').click()
    page.wait_for_url(f'{base}/maintenance/{order_id}')
    page.get_by_role('button', name=words('Start (stops the machine)')).click()
    page.get_by_text(words('Planned stop of this task')).wait_for(timeout=WAIT)
    assert not axe or _check(page, f'{base}/maintenance/{order_id}', 'maintenance task', [TABLET_VIEW]) == []
    page.get_by_role('checkbox', name='Drain the old developer').click()
    page.get_by_label('Developer conductivity (mS/cm)').fill('95')
    page.keyboard.press('Tab')
    limits = words('limits {low}–{high} {unit}', low=70, high=90, unit='mS/cm')  # as the technician would type
    problem = f'Developer conductivity: 95 mS/cm ({limits})'
    page.get_by_text(words('Outside its limits: {reading}', reading=problem)).wait_for(timeout=WAIT)
    shot(page, 'story-maintenance-task', words)
    page.get_by_role('button', name=words('Open a problem')).click()
    page.wait_for_url(f'{base}/machines/*/report?*')
    assert page.get_by_label(words('What happened?')).input_value(timeout=WAIT) == problem
    page.goto(f'{base}/maintenance/{order_id}')
    page.get_by_label(words('Note')).fill('New developer, conductivity to be checked again tomorrow')
    page.get_by_role('button', name=words('Done')).click()
    # the toast, not the button's own word: leaving before the task is saved would leave the machine stopped
    page.locator('.q-notification', has_text=words('Done')).wait_for(timeout=WAIT)
    page.goto(f'{base}/')
    page.locator('.q-card', has_text=machine).get_by_text(words('RUNNING')).wait_for(timeout=WAIT)
