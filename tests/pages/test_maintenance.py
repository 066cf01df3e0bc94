"""Maintenance on screen (simulated user): the due list, doing a bath change with readings on the tablet (an
out-of-limits reading offers a pre-filled problem), and the badge on machine cards and wall tiles."""
from datetime import timedelta

import pytest
from nicegui.testing import User
from sqlalchemy import select

from app.db import session_scope
from app.models import CTPMachine, MaintenanceOrder, Role, utcnow
from app.models import User as UserRow
from app.models.maintenance_schemas import StepIn, TaskIn
from app.services.maintenance import plans
from tests.factories import PASSWORD, actor, make_machine, make_user, report, seeded_category
from tests.pages.signin import WAIT, sign_in
from tests.pages.test_display import LIVE, pair, register

pytestmark = pytest.mark.dates


def _due_bath_change(overdue: bool = False) -> tuple[int, int, int]:
    """A processor with a bath change due now (or since yesterday), a technician assigned to it."""
    with session_scope() as session:
        seeded_category(session, 'Planned maintenance')
        machine = make_machine(session, 'Processor A', nickname='Proc A')
        admin = make_user(session, 'planner', Role.ADMIN)
        make_user(session, 'tina', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
        task = plans.create_task(session, actor=actor(admin), task_in=TaskIn(
            machine_id=machine.id, title='Developer bath change', every_n=4, every_unit='week', needs_stop=True,  # type: ignore[arg-type]
            steps=[StepIn(label='Drain the old developer'),
                   StepIn(label='Developer conductivity', unit='mS/cm', min_value=70, max_value=90)]))
        order = session.exec(select(MaintenanceOrder).where(MaintenanceOrder.task_id == task.id)).scalars().one()
        order.due_at = utcnow() - (timedelta(days=2) if overdue else timedelta(minutes=1))
        session.add(order)
        session.commit()
        return machine.id, order.id, task.steps[1].id  # type: ignore[return-value]


async def test_technician_does_a_bath_change_with_readings(user: User) -> None:
    machine_id, order_id, conductivity = _due_bath_change()
    await sign_in(user, 'tina', PASSWORD, then='/maintenance')
    await user.should_see('Processor A: Developer bath change', retries=WAIT)
    await user.should_see('Due')
    await user.open(f'/maintenance/{order_id}')
    user.find(marker='start').click()
    await user.should_see(marker='planned-stop', retries=WAIT)
    user.find(marker=f'step-{conductivity}').type('95')
    user.find(marker=f'step-{conductivity}').trigger('blur')
    await user.should_see('Outside its limits: Developer conductivity: 95 mS/cm (limits 70–90 mS/cm)', retries=WAIT)
    user.find(marker='open-problem').click()
    await user.should_see('Report problem', retries=WAIT)
    description = user.find(marker='description').elements.pop()
    assert description.value == 'Developer conductivity: 95 mS/cm (limits 70–90 mS/cm)'
    await user.open(f'/maintenance/{order_id}')
    await user.should_see(marker='out-of-limits', retries=WAIT)  # the reading was kept
    user.find(marker='done').click()
    await user.should_see(marker='state-done', retries=WAIT)
    await user.open(f'/machines/{machine_id}')
    await user.should_see('Maintenance history', retries=WAIT)


async def test_skip_needs_a_reason(user: User) -> None:
    _machine_id, order_id, _step = _due_bath_change()
    await sign_in(user, 'tina', PASSWORD, then=f'/maintenance/{order_id}')
    await user.should_see(marker='skip', retries=WAIT)
    user.find(marker='skip').click()
    await user.should_see('Say why it is skipped.')
    user.find(marker='reason').type('no chemistry in stock')
    user.find(marker='skip').click()
    await user.should_see(marker='state-skipped', retries=WAIT)


async def test_badge_on_the_card_and_the_wall_keeps_the_red_tile_text(user: User) -> None:
    machine_id, _order, _step = _due_bath_change(overdue=True)
    with session_scope() as session:
        tech = session.exec(select(UserRow).where(UserRow.username == 'tina')).scalars().one()
        report(session, tech, session.get(CTPMachine, machine_id),  # type: ignore[arg-type]
               description='Plate jam', category_id=seeded_category(session, 'Plate loading / autoloader').id)
    await sign_in(user, 'tina', PASSWORD)
    card = user.find(marker=f'machine-{machine_id}')
    await user.should_see('Maintenance overdue', retries=WAIT)
    texts = card.elements.pop().texts()  # type: ignore[attr-defined]
    assert texts[0] == 'DOWN' and 'Plate loading / autoloader' in texts and texts[-1] == 'Maintenance overdue'
    _, code = register()
    await pair(user, code)
    await user.open('/display')
    await user.should_see(marker=f'tile-{machine_id}', content='Maintenance overdue', retries=LIVE)
    await user.should_see('UNASSIGNED')
    await user.should_see('Plate loading / autoloader')  # the red tile's texts are all shown beside the badge


async def test_statistics_page_shows_the_maintenance_block(user: User) -> None:
    _due_bath_change(overdue=True)
    await sign_in(user, 'planner', PASSWORD, then='/statistics')
    await user.should_see(marker='maintenance-figures', retries=WAIT)
    await user.should_see('PM compliance')
    await user.should_see('MTBF before / after plan change')


async def test_admin_adds_the_starting_plan_and_a_task(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Platesetter B')
        make_user(session, 'planner', Role.ADMIN)
    await sign_in(user, 'planner', PASSWORD, then=f'/machines/{machine.id}')
    await user.should_see('No maintenance plan yet.', retries=WAIT)
    user.find(marker='starting-plan').click()
    await user.should_see('Developer bath change', retries=WAIT)
    await user.should_see('starting plan: check against the manual')
    user.find(marker='add-task').click()
    user.find('Title').type('Check compressed air')
    user.find('Steps (one per line; a reading: Label | unit | min | max)').type('Air pressure | bar | 6 | 8')
    user.find(marker='save-task').click()
    await user.should_see('Check compressed air', retries=WAIT)


async def test_photos_of_the_work_go_to_the_planned_stop(user: User) -> None:
    from nicegui import ui

    from app.models import ProblemPhoto
    from tests.factories import tiny_jpeg
    _machine_id, order_id, _step = _due_bath_change()
    await sign_in(user, 'tina', PASSWORD, then=f'/maintenance/{order_id}')
    user.find(marker='start').click()
    await user.should_see(marker='add-photos', retries=WAIT)
    uploader = user.find(ui.upload).elements.pop()
    await uploader.handle_uploads([ui.upload.SmallFileUpload('bath.jpg', 'image/jpeg', tiny_jpeg())])
    await user.should_see('1 photo attached', retries=WAIT)
    user.find(marker='save-photos').click()
    await user.should_see('Photos added', retries=WAIT)
    with session_scope() as session:
        log_id = session.get(MaintenanceOrder, order_id).log_id  # type: ignore[union-attr]
        assert [p.log_id for p in session.exec(select(ProblemPhoto)).scalars()] == [log_id]


async def test_task_screens_have_no_untranslated_text(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the pseudo language every text of the due list and the task screen comes through `_()`."""
    from app.config import get_settings
    from tests.pages import test_pseudo_language as pseudo
    monkeypatch.setenv('CTP_LANGUAGE', 'xx')
    get_settings.cache_clear()
    _machine_id, order_id, _step = _due_bath_change()
    data = ['Processor A', 'Proc A', 'Developer bath change', 'Drain the old developer', 'Developer conductivity',
            'mS/cm', 'Tina', 'Planner']
    known = pseudo._data
    monkeypatch.setattr(pseudo, '_data', lambda: sorted([*data, *known()], key=len, reverse=True))
    await sign_in(user, 'tina', PASSWORD, then='/maintenance')
    await user.should_see(marker=f'order-{order_id}', retries=WAIT)
    assert user.client is not None and pseudo._bypassed(user.client) == []
    await user.open(f'/maintenance/{order_id}')
    await user.should_see(marker='start', retries=WAIT)
    assert user.client is not None and pseudo._bypassed(user.client) == []
