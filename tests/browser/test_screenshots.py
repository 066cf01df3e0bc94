"""Every page at phone, tablet and desktop size on the demo plant, with no JavaScript errors.

Set CTP_SCREENSHOT_DIR=docs/screenshots to refresh the README's pictures; otherwise they go to a temp folder.
"""
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.screens import PAGES, sign_in
from tests.browser.server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    TABLET,
    free_port,
    require_chromium,
    running_server,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PORT = free_port()  # worktrees and CI jobs on one host run these at the same time
SIZES = {'phone': PHONE, 'tablet': TABLET, 'desktop': DESKTOP}
SHOTS = os.environ.get('CTP_SCREENSHOT_DIR')


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[str]:
    require_chromium()
    with running_server(tmp_path / 'demo-data', PORT, demo=True) as base:
        yield base


@pytest.mark.parametrize('size', list(SIZES))
def test_every_page_renders_without_errors(demo: str, size: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_context(viewport=SIZES[size], has_touch=size != 'desktop').new_page()
        page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
        page.on('pageerror', lambda e: errors.append(str(e)))
        sign_in(page, demo)
        for name, path in PAGES.items():
            page.goto(f'{demo}{path}')
            page.wait_for_load_state('networkidle')
            page.wait_for_timeout(600)  # charts animate in
            page.screenshot(path=str(folder / f'{name}-{size}.png'), full_page=True)
        _history_row_opens_the_problem(page, demo)
        browser.close()
    assert errors == []


def _history_row_opens_the_problem(page: Any, base: str) -> None:
    page.goto(f'{base}/machines/1')
    page.locator('.q-table tbody tr').first.click()
    page.wait_for_url(f'{base}/problem-logs/*')



# German words run longer: the tablet's report form, the header and the wall tiles must neither wrap nor clip.
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
