"""Issue 15: one window read from all five surfaces (statistics page, machine page, API, stats CSV, monthly
report) shows the same numbers. The clock is pinned to 30 November, so "last 30 days" is November."""
import csv
import io
from datetime import UTC, datetime

import time_machine
from nicegui import ui
from nicegui.testing import User

from app.db import session_scope
from app.models import Role
from components.design import duration_text, percent_text
from tests.factories import PASSWORD, change, complete, make_machine, make_user, report, seeded_category
from tests.pages.signin import WAIT, sign_in

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # 14:00 in Berlin


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour - 1, minute, tzinfo=UTC)  # Berlin is UTC+1 in November


def _seed() -> int:
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800')
        make_machine(session, 'Agfa Avalon N8-90')
        admin = make_user(session, 'boss', Role.ADMIN)
        make_user(session, 'maria', Role.MANAGER)
        rip = seeded_category(session, 'Workflow / RIP / files', 'RIP error')
        for start, end, fields in ((at(10, 8), at(10, 9), {}), (at(12, 8), at(12, 8, 20), {}),
                                   (at(13, 8), at(13, 8, 45), {'category_id': rip.id}), (at(14, 8), at(14, 8), {})):
            with time_machine.travel(start, tick=False):
                log_id = report(session, admin, magnus, start=start, **fields)
            if start == at(12, 8):
                with time_machine.travel(at(12, 8, 6), tick=False):
                    change(session, admin, log_id, status='in_progress')
            with time_machine.travel(end, tick=False):
                complete(session, admin, log_id, end=end)
            if start == at(10, 8):  # reopened at 10:00, fixed 10:30: one failure of 90 min
                with time_machine.travel(at(10, 10), tick=False):
                    change(session, admin, log_id, status='in_progress', reason='jammed again')
                with time_machine.travel(at(10, 10, 30), tick=False):
                    complete(session, admin, log_id)
        return magnus.id  # type: ignore[return-value]


async def test_the_five_surfaces_show_the_same_numbers_for_one_window(user: User) -> None:
    with time_machine.travel(NOW, tick=False):  # the window is cut at now: every surface reads the same now
        machine_id = _seed()
        await sign_in(user, 'maria', PASSWORD)
        api = (await user.http_client.get(f'/api/ctp-machines/{machine_id}/stats')).json()
        assert (api['date_from'], api['date_to']) == ('2026-11-01', '2026-11-30')
        assert (api['episodes'], round(api['unplanned_downtime_minutes'])) == (2, 110)  # 90 + 20; no false alarm
        assert (api['reopen_count'], api['failure_count'], api['not_machine_fault_count']) == (1, 3, 1)
        assert api['first_time_fix_rate'] == 2 / 3 and round(api['mtta_minutes']) == 22  # acks 60, 6 and 0 min
        figures = [duration_text(api['unplanned_downtime_minutes']), duration_text(api['mttr_minutes']),
                   duration_text(api['mtbf_minutes']), duration_text(api['mtta_minutes']),
                   percent_text(api['availability']), percent_text(api['first_time_fix_rate']),
                   duration_text(api['not_machine_fault_minutes'])]

        response = await user.http_client.get('/api/exports/stats.csv', params={'from': '2026-11-01',
                                                                                'to': '2026-11-30'})
        rows = {r['Machine']: r for r in csv.DictReader(io.StringIO(response.content.decode('utf-8-sig')))}
        exported = rows['Kodak Magnus Q800']
        for header, name in (('Unplanned downtime (min)', 'unplanned_downtime_minutes'), ('MTTR (min)', 'mttr_minutes'),
                             ('MTBF (min)', 'mtbf_minutes'), ('MTTA (min)', 'mtta_minutes'),
                             ('Stops', 'episodes'), ('Reopens', 'reopen_count'),
                             ('Not machine faults (n)', 'not_machine_fault_count'),
                             ('Not machine faults (min)', 'not_machine_fault_minutes')):
            assert float(exported[header]) == round(api[name], 4), header
        for header, name in (('Availability (shifts, %)', 'availability'),
                             ('First-time fix rate (%)', 'first_time_fix_rate')):  # percent, as on screen
            assert float(exported[header]) == round(api[name] * 100, 1), header

        await user.open('/statistics')
        await user.should_see(marker='kpi-table', retries=WAIT)
        table = user.find(ui.table).elements.pop()
        row = next(r for r in table.rows if r['machine'] == 'Kodak Magnus Q800')
        assert [row['downtime'], row['mttr'], row['mtbf'], row['mtta'], row['availability'], row['ftf']] == [
            figures[0], f'{figures[1]} (n = 2)', f'{figures[2]} (n = 2)', f'{figures[3]} (n = 3)', figures[4],
            f'{figures[5]} (n = 3)']
        assert row['not_machine_faults'] == f'1, {figures[6]}'

        for path in (f'/machines/{machine_id}', f'/reports/monthly/{machine_id}?month=2026-11'):
            await user.open(path)
            await user.should_see('Not machine faults', retries=WAIT)
            for figure in figures:
                await user.should_see(figure)
