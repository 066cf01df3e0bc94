"""The monthly report prints on one A4 page: Chromium's own print (page.pdf), pages counted in the PDF."""
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.browser.server import ADMIN_PASSWORD, CHROMIUM, CHROMIUM_ARGS, free_port, require_chromium, running_server

pytestmark = pytest.mark.browser


def test_a_busy_month_prints_on_one_a4_page(tmp_path: Path) -> None:
    require_chromium()
    from playwright.sync_api import sync_playwright
    with running_server(tmp_path / 'data', free_port(), demo=True) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={'width': 1440, 'height': 900}).new_page()
        page.goto(f'{base}/login')
        page.get_by_label('User name').fill('admin')
        page.get_by_label('Password').fill(ADMIN_PASSWORD)
        page.get_by_role('button', name='Sign in').click()
        page.wait_for_url(f'{base}/')
        first = date.today().replace(day=1) - timedelta(days=31)  # a past month, whatever today is
        last_month, machine_id = first.strftime('%Y-%m'), 1
        _a_bad_month(base, machine_id, first)
        page.goto(f'{base}/reports/monthly/{machine_id}?month={last_month}')
        page.get_by_text(re.compile(r'^Longest problems')).first.wait_for()
        text = page.inner_text('body')
        pdf = page.pdf(format='A4', print_background=True)
        browser.close()
    assert 'Longest problems (10 of' in text
    pages = len(re.findall(rb'/Type\s*/Page[^s]', pdf))
    assert pages == 1, f'the report of machine {machine_id} for {last_month} prints on {pages} A4 pages'


def _a_bad_month(base: str, machine_id: int, first: date) -> None:
    """Sixteen long problems in many categories that month: the report's longest list and its longest texts."""
    with httpx.Client(base_url=base, headers={'X-CTP-Request': '1', 'Origin': base}, timeout=30) as api:
        assert api.post('/api/auth/login', json={'username': 'admin', 'password': ADMIN_PASSWORD}).status_code == 200
        symptoms = [c for s in api.get('/api/categories').json() for c in s['symptoms']]
        for i in range(16):
            start = datetime(first.year, first.month, 3 + i, 8, 0, tzinfo=UTC)
            body = {'machine_id': machine_id, 'category_id': symptoms[(i * 7) % len(symptoms)]['id'],
                    'problem_description': 'Plates come out with fine streaks across the whole drum width; ' * 4,
                    'start_time': start.isoformat()}
            created = api.post('/api/ctp-problem-logs', json=body)
            assert created.status_code == 201, created.text
            done = {'status': 'completed', 'version': created.json()['version'], 'resolved_by': 'internal_technician',
                    'end_time': (start + timedelta(hours=2, minutes=i)).isoformat(),
                    'solution': 'Cleaned the optics, replaced the extraction filter and recalibrated the head. ' * 3}
            assert api.put(f'/api/ctp-problem-logs/{created.json()["id"]}', json=done).status_code == 200
