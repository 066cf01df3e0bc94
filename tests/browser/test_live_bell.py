"""Real Chromium: the bell follows its user's room message (components/bell_rooms.py, issue 24): another user's
report shows the count on the badge and a toast, and opening the panel clears the count."""
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.screens import signed_in_page
from tests.browser.server import ADMIN_PASSWORD, DESKTOP, plant_of

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LIVE = 15_000  # ms: the screen changes without a reload
TECH = {'username': 'tech1', 'name': 'Tech One', 'role': 'ctp_user', 'password': 'tablet-pass-2026'}


@pytest.fixture
def plant(tmp_path: Path) -> Iterator[str]:
    with plant_of(tmp_path / 'data', [('Kodak Magnus Q800', None)]) as base:
        yield base


def test_another_users_report_reaches_the_bell_and_the_panel_clears_it(plant: str, browser: Any) -> None:
    errors: list[str] = []
    page = signed_in_page(browser, plant, 'admin', ADMIN_PASSWORD, DESKTOP, 30_000)
    page.on('pageerror', lambda error: errors.append(str(error)))
    headers = {'X-CTP-Request': '1', 'Origin': plant}
    made = page.request.post(f'{plant}/api/users', headers=headers, data={**TECH, 'machine_ids': [1]})
    assert made.status == 201, made.text()
    bell = page.get_by_role('button', name='Notifications')
    badge = bell.locator('.q-badge')
    page.locator('.q-card').first.wait_for()
    assert not badge.is_visible()
    tablet = browser.new_context().request
    assert tablet.post(f'{plant}/api/auth/login', headers=headers,
                       data={'username': TECH['username'], 'password': TECH['password']}).ok
    answer = tablet.post(f'{plant}/api/ctp-problem-logs', headers=headers,
                         data={'machine_id': 1, 'problem_description': 'Drum will not turn', 'is_stopping': True})
    assert answer.status == 201, answer.text()
    page.locator('.q-notification', has_text='Kodak Magnus Q800').wait_for(timeout=LIVE)  # the toast
    assert badge.inner_text() == '1' and badge.is_visible()
    bell.click()
    page.get_by_role('dialog').get_by_text('Kodak Magnus Q800').first.wait_for()
    badge.wait_for(state='hidden', timeout=LIVE)
    assert errors == []
