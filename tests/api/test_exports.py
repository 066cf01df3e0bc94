"""Exports: scoped, filtered, typed; opened back with the spreadsheet library and compared."""
import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from nicegui.testing import User
from openpyxl import load_workbook
from sqlalchemy import select

from app.db import session_scope
from app.models import CTPMachine, Role
from tests.factories import PASSWORD, complete, make_machine, make_user, report

# `dates` (tests/clock.py) marks the tests whose windows or figures follow the clock; the rest read fixed March data

BERLIN = ZoneInfo('Europe/Berlin')


def seed() -> None:
    with session_scope() as session:
        magnus, avalon = make_machine(session, 'Magnus'), make_machine(session, 'Avalon')
        tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
        make_user(session, 'maria', Role.MANAGER)
        admin = make_user(session, 'boss', Role.ADMIN)
        start = datetime(2026, 3, 10, 8, 0, tzinfo=BERLIN).astimezone(UTC)
        with time_machine.travel(start, tick=False):
            first = report(session, tech, magnus, start=start, description='=HYPERLINK("http://evil")')
            report(session, admin, avalon, start=start, description='Vacuum error')
        with time_machine.travel(start + timedelta(minutes=45), tick=False):
            complete(session, tech, first, plates_lost=4)


async def login(user: User, username: str) -> None:
    response = await user.http_client.post('/api/auth/login', json={'username': username, 'password': PASSWORD})
    assert response.status_code == 200


async def test_csv_export_is_scoped_and_formula_safe(user: User) -> None:
    seed()
    await login(user, 'tech1')
    response = await user.http_client.get('/api/exports/problem-logs.csv?from=2026-03-01&to=2026-03-31')
    assert response.status_code == 200 and response.headers['content-type'].startswith('text/csv')
    rows = list(csv.DictReader(io.StringIO(response.content.decode('utf-8-sig'))))
    assert [r['Machine'] for r in rows] == ['Magnus']
    assert rows[0]['Description'] == '\'=HYPERLINK("http://evil")'
    assert rows[0]['Downtime (min)'] == '45' and rows[0]['Start (Europe/Berlin)'] == '2026-03-10 08:00:00'


async def test_xlsx_export_has_typed_cells(user: User) -> None:
    seed()
    await login(user, 'maria')
    response = await user.http_client.get('/api/exports/problem-logs.xlsx?from=2026-03-01&to=2026-03-31&q=Vacuum')
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert sheet.max_row == 2
    assert row['Machine'] == 'Avalon' and row['Description'] == 'Vacuum error'
    assert row['Start (Europe/Berlin)'] == datetime(2026, 3, 10, 8, 0) and row['Problem date'] == datetime(2026, 3, 10)
    assert isinstance(row['Plates lost'], int)


async def test_xlsx_keeps_formula_like_text_as_text_without_an_apostrophe(user: User) -> None:
    """An XLSX cell is typed: text starting with '=' is stored as a string (never a formula) and keeps its value; the
    apostrophe guard is for CSV, which a spreadsheet parses."""
    seed()
    await login(user, 'tech1')
    response = await user.http_client.get('/api/exports/problem-logs.xlsx?from=2026-03-01&to=2026-03-31')
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index('Description') + 1)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://evil")', 's')
    assert cell.quotePrefix  # Excel shows it as text and keeps it text when the cell is edited


@pytest.mark.dates  # tests/clock.py: CI runs it at every pinned moment
async def test_stats_export_matches_the_kpis(user: User) -> None:
    seed()
    await login(user, 'maria')
    response = await user.http_client.get('/api/exports/stats.xlsx?from=2026-03-10&to=2026-03-10')
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows['Magnus']['Unplanned downtime (min)'] == 45 and rows['Magnus']['Plates lost'] == 4
    assert rows['Magnus']['Stops'] == 1 and rows['Magnus']['MTTR (min)'] == 45
    assert rows['Plant total']['Problems'] == 2


async def test_export_errors(user: User) -> None:
    seed()
    response = await user.http_client.get('/api/exports/problem-logs.csv')
    assert response.status_code == 401
    await login(user, 'maria')
    bad = await user.http_client.get('/api/exports/stats.csv?from=2026-04-01&to=2026-03-01')
    assert bad.status_code == 400 and 'from' in bad.json()['error']['fields']
    assert (await user.http_client.get('/api/exports/stats.pdf')).status_code in (400, 404)




def test_control_characters_never_break_a_spreadsheet() -> None:
    from app.services import exports
    book = load_workbook(io.BytesIO(exports.to_xlsx('x', ['Name'], iter([['Mag\x01nus\x1b']]))))
    assert book.active['A2'].value == 'Magnus'


@pytest.mark.dates  # tests/clock.py: CI runs it at every pinned moment
async def test_exports_use_the_screens_words_and_units_and_name_machine_and_range(user: User) -> None:
    seed()
    await login(user, 'maria')
    with session_scope() as session:
        magnus = session.exec(select(CTPMachine).where(CTPMachine.name == 'Magnus')).scalars().one()
    march = 'from=2026-03-01&to=2026-03-31'
    one = await user.http_client.get(f'/api/exports/problem-logs.csv?machine_id={magnus.id}&{march}')
    assert 'filename="ctp-problems-magnus-2026-03-01-2026-03-31.csv"' in one.headers['content-disposition']
    row = next(csv.DictReader(io.StringIO(one.content.decode('utf-8-sig'))))
    assert row['Status'] == 'Completed' and row['Stopping'] == 'Yes' and row['Technician type'] == 'Internal'
    assert row['Resolved by'] == 'Operator' and row['End (Europe/Berlin)'] == '2026-03-10 08:45:00'
    every = await user.http_client.get(f'/api/exports/problem-logs.csv?{march}')
    assert 'filename="ctp-problems-all-machines-2026-03-01-2026-03-31.csv"' in every.headers['content-disposition']
    stats_file = await user.http_client.get('/api/exports/stats.csv?from=2026-03-10&to=2026-03-10')
    assert 'ctp-statistics-all-machines-2026-03-10-2026-03-10.csv' in stats_file.headers['content-disposition']
    stats_rows = {r['Machine']: r for r in csv.DictReader(io.StringIO(stats_file.content.decode('utf-8-sig')))}
    share = float(stats_rows['Magnus']['Availability (24/7, %)'])
    assert 90 < share < 100  # 45 min down in a day: a percentage as on screen, not a fraction


@pytest.mark.dates  # tests/clock.py: CI runs it at every pinned moment
async def test_a_machine_outside_the_scope_is_not_named_in_a_file(user: User) -> None:
    seed()
    await login(user, 'tech1')
    with session_scope() as session:
        avalon = session.exec(select(CTPMachine).where(CTPMachine.name == 'Avalon')).scalars().one()
    response = await user.http_client.get(f'/api/exports/problem-logs.csv?machine_id={avalon.id}')
    assert response.status_code in (403, 404) and 'Avalon' not in response.text
