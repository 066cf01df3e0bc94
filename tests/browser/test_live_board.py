"""Real Chromium: the overview's board follows its scope's room message (components/scope_rooms.py, issue 24): the
cards' red-first order, the summary line, the status filter under live changes and the recent problems, each row a
link to its problem."""
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.screens import signed_in_page
from tests.browser.server import ADMIN_PASSWORD, DESKTOP, plant_of

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LIVE = 15_000  # ms: the screen changes without a reload
# the cards' names in the order the board shows them (the grid places them by their CSS order)
SHOWN = """[...document.querySelectorAll('[data-ctp-board] .q-card')]
  .filter(card => card.offsetParent !== null)
  .sort((a, b) => Number(getComputedStyle(a).order) - Number(getComputedStyle(b).order))
  .map(card => card.querySelector('.text-lg').innerText)"""


@pytest.fixture
def plant(tmp_path: Path) -> Iterator[str]:
    with plant_of(tmp_path / 'data', [('Agfa Avalon N8-90', None), ('Kodak Magnus Q800', None)]) as base:
        yield base


def _shown(page: Any, names: list[str]) -> None:
    page.wait_for_function(f'JSON.stringify({SHOWN}) === {json.dumps(json.dumps(names, separators=(",", ":")))}',
                           timeout=LIVE)


def test_the_board_its_filter_and_the_recent_problems_follow_a_change(plant: str, browser: Any) -> None:
    errors: list[str] = []
    page = signed_in_page(browser, plant, 'admin', ADMIN_PASSWORD, DESKTOP, 30_000)
    page.on('pageerror', lambda error: errors.append(str(error)))
    page.locator('.q-card').first.wait_for()
    page.evaluate("document.querySelector('.q-card').parentElement.setAttribute('data-ctp-board', '')")
    _shown(page, ['Agfa Avalon N8-90', 'Kodak Magnus Q800'])
    page.get_by_text('2 machines · 0 down').wait_for()
    page.get_by_role('button', name='Down').click()
    _shown(page, [])
    page.get_by_text('No machine with this status.').wait_for()
    api = page.request
    headers = {'X-CTP-Request': '1', 'Origin': plant}
    answer = api.post(f'{plant}/api/ctp-problem-logs', headers=headers,
                      data={'machine_id': 2, 'problem_description': 'Drum will not turn', 'is_stopping': True})
    assert answer.status == 201, answer.text()
    log_id = answer.json()['id']
    _shown(page, ['Kodak Magnus Q800'])  # the filter lets the machine that went down in
    page.get_by_text('No machine with this status.').wait_for(state='hidden')
    page.get_by_text('2 machines · 1 down').wait_for()
    page.get_by_role('button', name='All').click()
    _shown(page, ['Kodak Magnus Q800', 'Agfa Avalon N8-90'])  # red first
    row = page.locator('.ctp-recent-row').first
    assert 'Drum will not turn' in row.inner_text()
    page.get_by_role('button', name='Down').click()
    done = api.put(f'{plant}/api/ctp-problem-logs/{log_id}', headers=headers,
                   data={'status': 'completed', 'solution': 'Belt replaced', 'resolved_by': 'operator'})
    assert done.status == 200, done.text()
    _shown(page, [])  # and out again when it runs
    page.get_by_text('No machine with this status.').wait_for()
    page.get_by_text('2 machines · 0 down').wait_for()
    page.locator('.ctp-recent-row').first.click()
    page.wait_for_url(f'{plant}/problem-logs/{log_id}')
    assert errors == []
