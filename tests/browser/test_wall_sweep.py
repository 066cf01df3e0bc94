"""The wall board in real Chromium for 1-24 machines x any number down x 720p / 1080p / 4K: nothing cut off.

One server and one browser for the whole sweep: 24 machines that are down and 24 that run are made once through
the REST API; the paired display's scope then picks n machines of which d are down, and each resolution is measured.
Set CTP_SCREENSHOT_DIR=docs/screenshots to refresh the README's board pictures (1080p, 0 / 2 / all down).
"""
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.models import utcnow
from tests.browser.server import ADMIN_PASSWORD, CHROMIUM, CHROMIUM_ARGS, free_port, require_chromium, running_server

pytestmark = pytest.mark.browser
RESOLUTIONS = [(1280, 720), (1920, 1080), (3840, 2160)]
COUNTS = [1, 2, 3, 4, 6, 9, 12, 16, 24]
LONGEST_CAUSE = 'Temperature/conductivity out of range'  # the longest symptom of the seeded taxonomy
SHOTS = os.environ.get('CTP_SCREENSHOT_DIR')

# Returns every problem found on the board as it is on screen now.
MEASURE = '''async () => {
  const root = document.documentElement, frame = () => new Promise(done => requestAnimationFrame(done));
  for (let i = 0; i < 60 && (i < 2 || root.scrollHeight > innerHeight || root.scrollWidth > innerWidth); i++) {
    await frame();  // Quasar re-measures the window a few frames after a resize
  }
  const problems = [], vw = innerWidth, vh = innerHeight;
  const minFont = 28 * Math.min(vw / 1920, vh / 1080) - 0.5;
  if (root.scrollHeight > vh || root.scrollWidth > vw) problems.push(`page ${root.scrollWidth}x${root.scrollHeight}`);
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const tiles = [...document.querySelectorAll('.ctp-tile')].filter(shown);
  if (!tiles.length) problems.push('no tile');
  const out = (r, box) => r.left < box.left - 0.5 || r.top < box.top - 0.5 || r.right > box.right + 0.5 ||
    r.bottom > box.bottom + 0.5;
  const screen = {left: 0, top: 0, right: vw, bottom: vh};
  for (const el of document.querySelectorAll('.ctp-wall-header, .ctp-wall-footer, .ctp-tile, [data-zone]')) {
    if (shown(el) && out(el.getBoundingClientRect(), screen)) problems.push(`${el.className} off screen`);
  }
  const areas = tiles.map(t => t.offsetWidth * t.offsetHeight);
  const red = tiles.map(t => t.style.background.includes('183, 28, 28') || t.style.background.includes('#b71c1c'));
  tiles.forEach((tile, i) => {
    const name = (tile.querySelector('.ctp-tile-name') || tile).textContent;
    const r = tile.getBoundingClientRect();
    const left = r.left + tile.clientLeft, top = r.top + tile.clientTop;
    const inner = {left, top, right: left + tile.clientWidth, bottom: top + tile.clientHeight};
    if (tile.scrollHeight > tile.clientHeight + 1 || tile.scrollWidth > tile.clientWidth + 1) {
      problems.push(`${name}: content overflows (${tile.scrollWidth}x${tile.scrollHeight})`);
    }
    for (const el of tile.querySelectorAll('*')) {
      if (!shown(el)) continue;
      if (out(el.getBoundingClientRect(), inner)) problems.push(`${name}: "${el.textContent}" outside its tile`);
      if (el.children.length === 0 && el.textContent.trim()) {
        const clips = getComputedStyle(el).overflow !== 'visible';  // only a clipping box can cut text
        if (clips && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) {
          problems.push(`${name}: "${el.textContent}" cut`);
        }
        const px = parseFloat(getComputedStyle(el).fontSize);
        if (px < minFont) problems.push(`${name}: "${el.textContent}" too small`);
      }
    }
    if (red[i]) {
      for (const part of ['.ctp-tile-word', '.ctp-tile-name', '[data-since]', '.ctp-tile-cause']) {
        if (!tile.querySelector(part)) problems.push(`${name}: red tile without ${part}`);
      }
      if (!/UNASSIGNED|NOT ACKNOWLEDGED|Maximilian/.test(tile.textContent)) problems.push(`${name}: no owner`);
      if (tiles.slice(0, i).some((_, j) => !red[j])) problems.push(`${name}: red tile after a quiet one`);
      if (areas.some((a, j) => !red[j] && a > areas[i] + 1)) problems.push(`${name}: red tile smaller than another`);
    }
  });
  for (const el of document.querySelectorAll('.ctp-wall-footer *, .ctp-wall-header *')) {
    if (shown(el) && el.children.length === 0 && el.textContent.trim() &&
        parseFloat(getComputedStyle(el).fontSize) < minFont) problems.push(`"${el.textContent}" too small`);
  }
  return problems;
}'''


def test_the_board_never_hides_what_matters(tmp_path: Path) -> None:
    require_chromium()
    from playwright.sync_api import sync_playwright
    failures: dict[str, list[str]] = {}
    with running_server(tmp_path / 'data', free_port()) as base, httpx.Client(
            base_url=base, headers={'X-CTP-Request': '1', 'Origin': base}, timeout=30) as api:
        down, up, pairing = _plant(api)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={'width': 1920, 'height': 1080}).new_page()
            page.goto(base + pairing['pairing_path'])
            page.wait_for_url(base + '/display')
            for n in COUNTS:
                for d in sorted(d for d in {0, 1, 2, n // 2, n} if d <= n):
                    _show(api, page, pairing['display']['id'], down[:d], up[:n - d])
                    for width, height in RESOLUTIONS:
                        page.set_viewport_size({'width': width, 'height': height})
                        if problems := page.evaluate(MEASURE):
                            failures[f'{n} machines, {d} down, {width}x{height}'] = problems
                    if SHOTS and n == 9 and d in (0, 2, 9):
                        page.set_viewport_size({'width': 1920, 'height': 1080})
                        page.screenshot(path=str(Path(SHOTS) / f'wall-board-{"all" if d == n else d}-down.png'))
            browser.close()
    assert not failures, '\n'.join(f'{k}: {v[:3]}' for k, v in list(failures.items())[:12])


def _show(api: httpx.Client, page: Any, display_id: int, down: list[int], up: list[int]) -> None:
    """Scope the paired display to these machines; the open board follows live (no reload) with n tiles, d red."""
    assert api.put(f'/api/displays/{display_id}', json={'machine_ids': down + up}).status_code == 200
    page.locator(f'[data-machines="{len(down) + len(up)}"][data-down="{len(down)}"]').wait_for(state='attached')


def _plant(api: httpx.Client) -> tuple[list[int], list[int], dict[str, Any]]:
    """24 machines down (long names, the longest cause, counters up to days, owners and vendors) and 24 running."""
    assert api.post('/api/auth/login', json={'username': 'admin', 'password': ADMIN_PASSWORD}).status_code == 200
    admin = next(u for u in api.get('/api/users').json() if u['username'] == 'admin')
    assert api.put(f'/api/users/{admin["id"]}', json={'name': 'Maximilian Weber'}).status_code == 200
    symptoms = [c for s in api.get('/api/categories').json() for c in s['symptoms']]
    longest = next(c['id'] for c in symptoms if c['name'] == LONGEST_CAUSE)
    down, up = [], []
    for i in range(24):
        down.append(api.post('/api/ctp-machines', json={'name': f'Suprasetter A75-{i:02d}'}).json()['id'])
        up.append(api.post('/api/ctp-machines', json={'name': f'Magnus Q800 Nr. {i:02d}'}).json()['id'])
    now = utcnow()
    for i, machine_id in enumerate(down):
        started = now - (timedelta(hours=23, minutes=59) if i % 3 else timedelta(days=2, hours=3))
        body = {'machine_id': machine_id, 'problem_description': 'Plates come out with streaks across the drum',
                'category_id': longest if i % 2 == 0 else symptoms[i % len(symptoms)]['id'],
                'start_time': started.isoformat()}
        created = api.post('/api/ctp-problem-logs', json=body)
        assert created.status_code == 201, created.text
        if i % 4 != 3:  # most are taken, a few wait for someone
            changes: dict[str, Any] = {'status': 'in_progress', 'version': created.json()['version']}
            if i % 2:
                changes['vendor_called_at'] = (now - timedelta(minutes=20)).isoformat()
            assert api.put(f'/api/ctp-problem-logs/{created.json()["id"]}', json=changes).status_code == 200
    pairing = api.post('/api/displays', json={'name': 'Plate room wall'})
    assert pairing.status_code == 201, pairing.text
    return down, up, pairing.json()
