"""The wall display in a real headless Chromium: pairing, live tiles, ticking counters, the stale banner; an English
and a German board side by side on one app server (the display's own language, Admin → Displays)."""
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from app import i18n
from tests.browser.screens import LANGUAGES, Words, shot
from tests.browser.server import ADMIN_PASSWORD, CHROMIUM, CHROMIUM_ARGS, free_port, require_chromium, running_server

pytestmark = pytest.mark.browser
BOARDS = {'en': 'Plate room wall', 'de': 'Wand Plattenraum'}
# what a board reads from 5 m must not be cut: a badge's words ('Maintenance o…'), a footer whose title shows and
# whose first item went to the hidden line (it read as if there were none)
CUT = '''() => [
  ...[...document.querySelectorAll('.ctp-badge')].filter(e => e.scrollWidth > e.clientWidth + 1)
     .map(e => 'cut: ' + e.textContent),
  ...[...document.querySelectorAll('.ctp-footer-title')]
     .map(t => [t, t.nextElementSibling, t.closest('.ctp-footer-list')])
     .filter(([t, item, list]) => !item || item.offsetTop !== t.offsetTop
             || item.getBoundingClientRect().right > Math.min(list.getBoundingClientRect().right,
                                                              document.documentElement.clientWidth) + 1)
     .map(([t]) => 'footer without its first item: ' + t.textContent)]'''


def _pairing_url(base: str, name: str, language: str) -> str:
    """A new display in `language`, and the link that pairs a screen with it."""
    with httpx.Client(base_url=base, headers={'X-CTP-Request': '1', 'Origin': base}) as client:
        assert client.post('/api/auth/login', json={'username': 'admin', 'password': ADMIN_PASSWORD}).status_code == 200
        created = client.post('/api/displays', json={'name': name})
        assert created.status_code == 201, created.text
        display = created.json()['display']['id']
        assert client.put(f'/api/displays/{display}/language', json={'language': language}).status_code == 200
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


def _keep_error(errors: list[str], message: Any) -> None:
    if message.type == 'error':
        errors.append(message.text)


def _minute_unit(words: Words) -> str:
    """'min' / 'Min.': how the board's counters end."""
    return words.value(i18n.duration_units)['minute'].replace('{0}', '').strip()


def _shows_live_tiles(page: Any, words: Words) -> None:
    page.get_by_text(words('DOWN'), exact=True).first.wait_for(timeout=30_000)
    assert page.evaluate('document.documentElement.lang') == words.locale
    assert page.locator('[data-since]').first.inner_text().endswith(_minute_unit(words))
    assert not page.locator('#ctp-stale').is_visible()
    assert page.locator('[data-zone]').inner_text() in _plant_times()
    assert page.get_by_text('Europe/Berlin', exact=True).is_visible()
    assert page.evaluate(CUT) == []


def _says_stale(page: Any, words: Words) -> None:
    page.locator('#ctp-stale').wait_for(state='visible', timeout=30_000)  # 5 s of grace after the socket drops
    # the style compiler's timing marks of every update are cleared (components/page.py), not kept for weeks
    assert page.evaluate("performance.getEntriesByName('Build #1 (full) (start)').length") == 0
    # and the elements the rebuilt tile replaced are let go (components/wall_assets.py)
    assert page.evaluate('Object.values(mounted_app.$.refs).filter(ref => ref === null).length') == 0
    banner = page.locator('#ctp-stale').inner_text()
    since = words('DATA STALE since {time} — reconnecting').partition('{time}')[0]
    assert any(f'{since}{t} (Europe/Berlin)' in banner for t in _plant_times(minutes=2)), banner


def test_paired_wall_displays_show_live_tiles_and_a_stale_banner_in_their_language(tmp_path: Path) -> None:
    require_chromium()
    from playwright.sync_api import sync_playwright
    data, port = tmp_path / 'data', free_port()
    errors: list[str] = []
    said = {code: Words(code) for code in LANGUAGES}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # the screens' browser runs in another zone than the plant (Europe/Berlin): every time shown is the plant's
        pages = {code: browser.new_context(viewport={'width': 1920, 'height': 1080},
                                           timezone_id='Pacific/Auckland').new_page() for code in LANGUAGES}
        for page in pages.values():
            page.on('console', lambda m: _keep_error(errors, m))
        with running_server(data, port, demo=True) as base:
            for code, page in pages.items():
                page.goto(_pairing_url(base, BOARDS[code], code))
                page.wait_for_url(base + '/display')
                assert 'code=' not in page.url
            for code, page in pages.items():
                _shows_live_tiles(page, said[code])
            _report_on_an_idle_machine(base, 'Drum will not turn')  # its tile is rebuilt red on both boards
            for page in pages.values():
                page.get_by_text('Drum will not turn').wait_for(timeout=30_000)
                shot(page, 'story-wall', said[code], full_page=False)
            if os.environ.get('SCREENSHOT_DIR'):
                pages['en'].screenshot(path=os.path.join(os.environ['SCREENSHOT_DIR'], 'wall-display.png'))
        for code, page in pages.items():
            _says_stale(page, said[code])
        with running_server(data, port, demo=True):
            for code, page in pages.items():
                page.locator('#ctp-stale').wait_for(state='hidden', timeout=30_000)
                page.get_by_text(said[code]('DOWN'), exact=True).first.wait_for(timeout=30_000)
        browser.close()
    assert [e for e in errors if 'WebSocket' not in e and 'ERR_CONNECTION_REFUSED' not in e] == []
