"""Exports in the chosen language: German headers and words; German CSV with ';' and a decimal comma; Excel keeps
real dates and numbers whatever the language."""
import csv
import io
from datetime import datetime

import pytest
from nicegui.testing import User
from openpyxl import load_workbook

from tests.api.test_exports import login, seed

pytestmark = pytest.mark.dates  # tests/clock.py: CI runs these at every pinned moment


async def test_german_csv_has_german_headers_words_and_separators(user: User) -> None:
    seed()
    await login(user, 'tech1')
    response = await user.http_client.get('/api/exports/problem-logs.csv?from=2026-03-01&to=2026-03-31&lang=de')
    text = response.content.decode('utf-8-sig')
    assert text.splitlines()[0].startswith('Nr.;Maschine;Datum der Störung;Status;Teilsystem;')
    [row] = list(csv.DictReader(io.StringIO(text), delimiter=';'))
    assert (row['Maschine'], row['Status'], row['Stillstand'], row['Stillstand (Min.)']) == \
        ('Magnus', 'Erledigt', 'Ja', '45')
    assert row['Beginn (Europe/Berlin)'] == '2026-03-10 08:00:00'
    english = await user.http_client.get('/api/exports/problem-logs.csv?from=2026-03-01&to=2026-03-31',
                                         headers={'Accept-Language': 'en'})
    assert english.content.decode('utf-8-sig').splitlines()[0].startswith('ID,Machine,Problem date,Status,')


async def test_german_statistics_csv_writes_a_decimal_comma_and_excel_keeps_numbers(user: User) -> None:
    seed()
    await login(user, 'maria')
    response = await user.http_client.get('/api/exports/stats.csv?from=2026-03-01&to=2026-03-31',
                                          headers={'Accept-Language': 'de-DE,de;q=0.9'})
    rows = list(csv.DictReader(io.StringIO(response.content.decode('utf-8-sig')), delimiter=';'))
    total = rows[-1]
    assert total['Maschine'] == 'Werk gesamt' and ',' in total['Verfügbarkeit (24/7, %)']
    assert '.' not in total['Verfügbarkeit (24/7, %)']
    book = load_workbook(io.BytesIO((await user.http_client.get(
        '/api/exports/problem-logs.xlsx?from=2026-03-01&to=2026-03-31&lang=de')).content))
    sheet = book.active
    assert sheet is not None and sheet.title == 'Störungen'
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert isinstance(first['Beginn (Europe/Berlin)'], datetime) and isinstance(first['Verlorene Platten'], int)
