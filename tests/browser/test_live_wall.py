"""Real Chromium: the wall board follows its room's message (components/wall_rooms.py, issue 24): a report turns the
tile red, taking it names who has it (a change that leaves the wall's layout as it was: only the room's message draws
it), completing it turns the tile back and the footer counts the day's downtime."""
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.screens import signed_in_page
from tests.browser.server import ADMIN_PASSWORD, DESKTOP, plant_of

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LIVE = 15_000  # ms: well under the wall's own re-read (30 s)


@pytest.fixture
def plant(tmp_path: Path) -> Iterator[str]:
    with plant_of(tmp_path / 'data', [('Agfa Avalon N8-90', None), ('Kodak Magnus Q800', 'Magnus')]) as base:
        yield base


def test_a_wall_follows_a_problem_from_report_to_completion(plant: str, browser: Any) -> None:
    errors: list[str] = []
    page = signed_in_page(browser, plant, 'admin', ADMIN_PASSWORD, DESKTOP, 30_000, at='/display')
    page.on('pageerror', lambda error: errors.append(str(error)))
    tile = page.locator('.ctp-tile', has_text='Magnus')
    tile.get_by_text('RUNNING').wait_for()
    api, headers = page.request, {'X-CTP-Request': '1', 'Origin': plant}
    started = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()  # today's downtime, even just after midnight
    answer = api.post(f'{plant}/api/ctp-problem-logs', headers=headers,
                      data={'machine_id': 2, 'problem_description': 'Drum will not turn', 'is_stopping': True,
                            'start_time': started})
    assert answer.status == 201, answer.text()
    log_id = answer.json()['id']
    tile.get_by_text('UNASSIGNED').wait_for(timeout=LIVE)
    assert 'DOWN' in tile.inner_text() and 'Drum will not turn' in tile.inner_text()
    taken = api.put(f'{plant}/api/ctp-problem-logs/{log_id}', headers=headers, data={'status': 'in_progress'})
    assert taken.status == 200, taken.text()
    tile.get_by_text('Administrator').wait_for(timeout=LIVE)
    done = api.put(f'{plant}/api/ctp-problem-logs/{log_id}', headers=headers,
                   data={'status': 'completed', 'solution': 'Belt replaced', 'resolved_by': 'operator'})
    assert done.status == 200, done.text()
    tile.get_by_text('RUNNING').wait_for(timeout=LIVE)
    page.locator('.ctp-footer-list', has_text='Magnus').wait_for(timeout=LIVE)  # down today
    assert errors == []
