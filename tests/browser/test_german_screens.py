"""A German plant in real Chromium: German words run longer, so the tablet's overview and report form, the header
and the wall tiles must neither wrap nor clip.

Set CTP_SCREENSHOT_DIR=docs/screenshots to refresh the README's German pictures; otherwise they go to a temp folder.
"""
import os
from pathlib import Path

import pytest

from tests.browser.screens import sign_in
from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, DESKTOP, TABLET, free_port, require_chromium, running_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PORT = free_port()  # worktrees and CI jobs on one host run these at the same time
SHOTS = os.environ.get('CTP_SCREENSHOT_DIR')  # read at import (the test fixtures clear CTP_* variables)
GERMAN_SHOTS = {'overview-de-tablet': ('/', TABLET), 'report-form-de-tablet': ('/machines/1/report', TABLET),
                'wall-display-de': ('/display', DESKTOP)}
CLIPPED = '''() => [...document.querySelectorAll(
  '.q-header .ctp-nav, .q-header a, .q-btn__content, .ctp-tile *, [class*="machine-"] .q-badge, .q-toolbar')]
  .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1
               && getComputedStyle(e).textOverflow !== 'ellipsis' && getComputedStyle(e).overflow !== 'visible')
  .map(e => (e.className || e.tagName) + ': ' + e.textContent.trim().slice(0, 40))'''


def test_german_screens_fit_without_clipping(tmp_path: Path) -> None:
    """A German plant (CTP_LANGUAGE=de): overview and report form at tablet size, the wall at 1080p; no page wider
    than the screen, no header wrapping to a second line, no text cut off; the README's German pictures."""
    from playwright.sync_api import sync_playwright
    require_chromium()
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with running_server(tmp_path / 'german-demo', PORT, demo=True, language='de') as demo, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_context(viewport=TABLET, locale='en-GB').new_page()  # signs in on the English form
        sign_in(page, demo)
        for name, (path, size) in GERMAN_SHOTS.items():
            page.set_viewport_size(size)
            page.goto(f'{demo}{path}')
            page.wait_for_load_state('networkidle')
            page.wait_for_timeout(600)
            assert page.evaluate('document.documentElement.lang') == 'de-DE'
            if page.evaluate('document.documentElement.scrollWidth > window.innerWidth + 1'):
                problems.append(f'{name}: wider than the screen')
            header = page.locator('.q-header')
            if header.count() and header.first.bounding_box()['height'] > 72:  # type: ignore[index]
                problems.append(f'{name}: the header wraps')
            problems += [f'{name}: {text}' for text in page.evaluate(CLIPPED)]
            page.screenshot(path=str(folder / f'{name}.png'), full_page=name != 'wall-display-de')
        browser.close()
    assert problems == []
