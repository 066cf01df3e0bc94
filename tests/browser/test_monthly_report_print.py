"""The monthly report prints on one A4 page: Chromium's own print (page.pdf), pages counted in the PDF; in English
and in German (longer words) on one app server, the month's problems made once."""
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.browser.screens import Words, shot, sign_in
from tests.browser.server import ADMIN_PASSWORD, free_port, require_chromium, running_server

pytestmark = pytest.mark.browser
MACHINE_ID = 1
# a problem's downtime on two lines ('2 Std. 21' / 'Min.'): German durations run longer than the column
WRAPPED = '''() => [...document.querySelectorAll('.ctp-report-row > :last-child')]
  .filter(e => e.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(e).lineHeight))
  .map(e => e.textContent)'''


@dataclass
class BadMonth:
    base: str
    month: str  # YYYY-MM


@pytest.fixture(scope='module')
def bad_month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BadMonth]:
    require_chromium()
    with running_server(tmp_path_factory.mktemp('monthly') / 'data', free_port(), demo=True) as base:
        first = date.today().replace(day=1) - timedelta(days=31)  # a past month, whatever today is
        _a_bad_month(base, MACHINE_ID, first)
        yield BadMonth(base, first.strftime('%Y-%m'))


def test_a_busy_month_prints_on_one_a4_page(bad_month: BadMonth, browser: Any, words: Words) -> None:
    page = browser.new_context(viewport={'width': 1440, 'height': 900}, locale=words.locale).new_page()
    sign_in(page, bad_month.base, 'admin', ADMIN_PASSWORD, words)
    page.goto(f'{bad_month.base}/reports/monthly/{MACHINE_ID}?month={bad_month.month}')
    heading = words('Longest problems ({shown} of {total}; times in {zone})')
    page.get_by_text(re.compile('^' + re.escape(heading.partition('{shown}')[0]))).first.wait_for()
    text = page.inner_text('body')
    assert page.evaluate(WRAPPED) == []
    shot(page, 'story-monthly-report', words)
    pdf = page.pdf(format='A4', print_background=True)
    assert heading.partition('{total}')[0].format(shown=10) in text  # 'Longest problems (10 of' / 'Längste … (10 von'
    pages = len(re.findall(rb'/Type\s*/Page[^s]', pdf))
    assert pages == 1, f'the report of machine {MACHINE_ID} for {bad_month.month} prints on {pages} A4 pages'


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
