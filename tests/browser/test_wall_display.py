"""The wall display in a real headless Chromium: pairing, live tiles, ticking counters, the stale banner."""
import os
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.browser.server import ADMIN_PASSWORD, CHROMIUM, CHROMIUM_ARGS, free_port, require_chromium, running_server

pytestmark = pytest.mark.browser


def _pairing_url(base: str) -> str:
    with httpx.Client(base_url=base, headers={'X-CTP-Request': '1'}) as client:
        assert client.post('/api/auth/login', json={'username': 'admin', 'password': ADMIN_PASSWORD},
                           headers={'Origin': base}).status_code == 200
        created = client.post('/api/displays', json={'name': 'Plate room wall'}, headers={'Origin': base})
        assert created.status_code == 201, created.text
        return base + created.json()['pairing_path']


def _report_on_an_idle_machine(base: str, description: str) -> None:
    """A stopping problem on a machine without one: its tile is rebuilt red on the board."""
    with httpx.Client(base_url=base, headers={'X-CTP-Request': '1', 'Origin': base}) as client:
        assert client.post('/api/auth/login', json={'username': 'admin', 'password': ADMIN_PASSWORD}).status_code == 200
        idle = next(m['id'] for m in client.get('/api/ctp-machines').json() if m['open_problem_count'] == 0)
        created = client.post('/api/ctp-problem-logs', json={'machine_id': idle, 'problem_description': description})
        assert created.status_code == 201, created.text


def _plant_times(minutes: int = 1) -> list[str]:
    """HH:MM in the plant's zone for now and the last few minutes (the clock may just have turned)."""
    now = datetime.now(ZoneInfo('Europe/Berlin'))
    return [f'{now - timedelta(minutes=m):%H:%M}' for m in range(minutes + 1)]


def test_paired_wall_display_shows_live_tiles_and_a_stale_banner(tmp_path: Path) -> None:
    require_chromium()
    from playwright.sync_api import sync_playwright
    data, port, errors = tmp_path / 'data', free_port(), []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # the screen's browser runs in another zone than the plant (Europe/Berlin): every time shown is the plant's
        page = browser.new_context(viewport={'width': 1920, 'height': 1080}, timezone_id='Pacific/Auckland').new_page()
        page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
        with running_server(data, port, demo=True) as base:
            page.goto(_pairing_url(base))
            page.wait_for_url(base + '/display')
            assert 'code=' not in page.url
            page.get_by_text('DOWN', exact=True).first.wait_for(timeout=10_000)
            assert page.locator('[data-since]').first.inner_text().endswith('min')
            assert not page.locator('#ctp-stale').is_visible()
            assert page.locator('[data-zone]').inner_text() in _plant_times()
            assert page.get_by_text('Europe/Berlin', exact=True).is_visible()
            _report_on_an_idle_machine(base, 'Drum will not turn')
            page.get_by_text('Drum will not turn').wait_for(timeout=10_000)
            if os.environ.get('SCREENSHOT_DIR'):
                page.screenshot(path=os.path.join(os.environ['SCREENSHOT_DIR'], 'wall-display.png'))
        page.locator('#ctp-stale').wait_for(state='visible', timeout=30_000)  # 5 s of grace after the socket drops
        # the style compiler's timing marks of every update are cleared (components/page.py), not kept for weeks
        assert page.evaluate("performance.getEntriesByName('Build #1 (full) (start)').length") == 0
        # and the elements the rebuilt tile replaced are let go (components/wall_assets.py)
        assert page.evaluate('Object.values(mounted_app.$.refs).filter(ref => ref === null).length') == 0
        banner = page.locator('#ctp-stale').inner_text()
        assert 'DATA STALE since' in banner and '(Europe/Berlin)' in banner
        assert any(f'since {t} (Europe/Berlin)' in banner for t in _plant_times(minutes=2)), banner
        with running_server(data, port, demo=True):
            page.locator('#ctp-stale').wait_for(state='hidden', timeout=30_000)
            page.get_by_text('DOWN', exact=True).first.wait_for(timeout=10_000)
        browser.close()
    assert [e for e in errors if 'WebSocket' not in e and 'ERR_CONNECTION_REFUSED' not in e] == []
