"""The statistics page: staff only, per-machine KPIs for a range, and drill-down to the problems."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from nicegui import ui
from nicegui.testing import User

from app.config import get_settings
from app.db import session_scope
from app.models import Role, utcnow
from components.stats_view import preset_range
from tests.factories import PASSWORD, complete, make_machine, make_user, report, seeded_category
from tests.pages import signin

pytestmark = pytest.mark.dates  # tests/clock.py: CI runs these at every pinned moment


async def sign_in(user: User, username: str, password: str) -> None:
    await signin.sign_in(user, username, password)
    await user.should_see('Overview', retries=50)


def seed() -> None:
    with session_scope() as session:
        magnus, avalon = make_machine(session, 'Kodak Magnus Q800'), make_machine(session, 'Agfa Avalon N8-90')
        tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id, avalon.id])  # type: ignore[list-item]
        make_user(session, 'maria', Role.MANAGER)
        laser = seeded_category(session, 'Imaging head / laser', 'Banding/streaks')
        start = utcnow() - timedelta(days=3)
        with time_machine.travel(start, tick=False):
            slow = report(session, tech, avalon, start=start, category_id=laser.id, description='Banding on tints')
            quick = report(session, tech, magnus, start=start, description='Plate jam')
        with time_machine.travel(start + timedelta(minutes=20), tick=False):
            complete(session, tech, quick)
        with time_machine.travel(start + timedelta(hours=5), tick=False):
            complete(session, tech, slow)


async def _kpi_table(user: User, username: str) -> ui.table:
    """The seeded plant's statistics table as `username` sees it."""
    seed()
    await sign_in(user, username, PASSWORD)
    await user.open('/statistics')
    await user.should_see(marker='kpi-table', retries=30)
    return user.find(ui.table).elements.pop()


async def test_manager_sees_which_machine_cost_most_and_why(user: User) -> None:
    table = await _kpi_table(user, 'maria')
    assert [r['machine'] for r in table.rows] == ['Agfa Avalon N8-90', 'Kodak Magnus Q800', 'Plant total']
    assert table.rows[0]['downtime'] == '5 h 0 min' and table.rows[0]['top_cause'] == 'Imaging head / laser'
    assert table.rows[2]['problems'] == 2


async def test_every_figure_shows_its_n_and_explains_how_it_is_computed(user: User) -> None:
    table = await _kpi_table(user, 'maria')
    figures = [c for c in table.columns if c['name'] != 'machine']
    assert figures and all(len(str(c.get('tooltip', ''))) > 40 for c in figures), [c['name'] for c in figures]
    assert 'header-cell' in table.slots  # the explanation is the header's tooltip
    plant = table.rows[-1]
    for name in ('mttr', 'mtbf', 'mtta', 'vendor', 'ftf'):
        assert '(n = ' in str(plant[name]), name
    assert plant['stops'] == 2  # the n of the downtime beside it


async def test_drill_down_lists_the_problems_behind_a_number(user: User) -> None:
    table = await _kpi_table(user, 'maria')
    avalon = table.rows[0]
    user.find(ui.table).trigger('rowClick', [{}, avalon, 0])
    await user.should_see('Agfa Avalon N8-90: 1 problem', retries=20)  # whose problems, not just how many
    await user.should_see('Imaging head / laser – Banding/streaks')
    await user.should_see('5 h 0 min')
    await user.should_see('Open problem')  # a link that reads as one, not a lowercase "open" like a status
    await user.should_not_see('open')


@time_machine.travel(datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo('Europe/Berlin')), tick=True)
async def test_ranges_change_the_numbers(user: User) -> None:
    """Seeded 3 days ago, i.e. 15 November: in the default range, not in "Last month" (October). The clock is pinned
    because on the first days of a month "3 days ago" *is* last month."""
    seed()
    await sign_in(user, 'maria', PASSWORD)
    await user.open('/statistics')
    await user.should_see(marker='kpi-table', retries=30)
    assert user.find(ui.table).elements.pop().rows[-1]['problems'] == 2
    user.find('Last month').click()
    first, last = preset_range('Last month', utcnow().astimezone(get_settings().zone).date())
    await user.should_see(f'{first:%d %b %Y} – {last:%d %b %Y}', retries=30)
    fields = {e.label: e.value for e in user.find(ui.input).elements if e.label in ('From', 'To')}
    assert fields == {'From': f'{first:%d %b %Y}', 'To': f'{last:%d %b %Y}'}  # the preset fills the date fields,
    # written as the rest of the screen writes dates
    assert 'unelevated' in user.find(marker='preset-Last month').elements.pop().props  # and stays highlighted
    assert 'outline' in user.find(marker='preset-Last 30 days').elements.pop().props
    table = max(user.find(ui.table).elements, key=lambda e: e.id)
    assert table.rows[-1]['problems'] == 0


async def test_ctp_users_see_the_statistics_of_their_own_machines(user: User) -> None:
    """The page asks access.py (READ_STATS, scoped to assigned machines), like the API and the exports do."""
    seed()
    with session_scope() as session:
        other = make_machine(session, 'Screen PlateRite 8600')  # not assigned to tech1, with downtime
        report(session, make_user(session, 'boss', Role.ADMIN), other, start=utcnow() - timedelta(days=2))
    await sign_in(user, 'tech1', PASSWORD)
    await user.open('/statistics')
    await user.should_see(marker='kpi-table', retries=30)
    rows = [r['machine'] for r in user.find(ui.table).elements.pop().rows]
    assert rows == ['Agfa Avalon N8-90', 'Kodak Magnus Q800', 'Plant total']


