"""Every main screen in real Chromium at tablet, phone, desktop and wall size: axe-core finds no serious or critical
violation, and every visible control is a target of at least 48x48 CSS px (gloved hands on the plate-room tablets).

One demo server for the module, one browser per size, one tab per size that walks the screens. The exceptions to the
target size are listed in TARGET_EXCEPTIONS, each with its reason.
"""
import functools
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.screens import ADMIN_PAGES, MANAGER_PAGES, PAGES, PROFILE_PAGES, sign_in
from tests.browser.server import DESKTOP, PHONE, free_port, require_chromium, running_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
logger = logging.getLogger(__name__)
SIZES = {'tablet': {'width': 1024, 'height': 768}, 'phone': PHONE, 'desktop': DESKTOP,
         'wall': {'width': 1920, 'height': 1080}}
WALL_SIZES = {'wall': SIZES['wall'], 'wall-4k': {'width': 3840, 'height': 2160}}  # the board: only on the wall
SCREENS = {**PAGES, **PROFILE_PAGES, **MANAGER_PAGES, **ADMIN_PAGES}  # the admin may open every one of them
BLOCKING = ('serious', 'critical')
SHOTS = os.environ.get('CTP_A11Y_SHOTS')  # a folder for a picture of each screen checked; read at import (the
# test fixtures clear CTP_* variables)
MIN_TARGET = 48  # CSS px, both ways
# What may be smaller than 48x48 px, and why; everything else is checked. Key: a CSS selector, or 'inline link'
# (an <a> laid out inline inside a sentence: the JS below recognises it, no selector can).
TARGET_EXCEPTIONS = {
    'inline link': 'a link inside a sentence (WCAG 2.5.8 "inline" exception): the line of text sets its size',
    '[disabled], [aria-disabled="true"]': 'cannot be activated, so it is no target',
}

# Every visible control as the box a finger hits: a field's control box, a checkbox's or toggle's whole row.
TARGETS = '''([minimum, exceptions, root]) => {
  const controls = 'button, a[href], input:not([type=hidden]), select, textarea, [role=button], [role=tab], ' +
    '[role=link], [role=checkbox], [role=switch], [role=radio], [role=menuitem], [role=option], ' +
    '.q-checkbox, .q-toggle, .q-radio, .q-btn, .q-item--clickable, .q-tab, th.sortable';
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden' &&
    !el.closest('[aria-hidden="true"]');
  const inSentence = el => el.tagName === 'A' && getComputedStyle(el).display === 'inline' &&
    el.parentElement.textContent.trim().length > el.textContent.trim().length;
  const excused = el => exceptions.some(key => key === 'inline link' ? inSentence(el) : el.matches(key));
  const boxes = new Set(), small = [];
  for (const el of document.querySelector(root).querySelectorAll(controls)) {
    const box = el.closest('.q-field__control, .q-checkbox, .q-toggle, .q-radio, .q-btn, .q-item, .q-tab') || el;
    if (boxes.has(box) || !shown(box) || excused(box)) continue;
    boxes.add(box);
    const r = box.getBoundingClientRect();
    if (r.width < minimum - 0.5 || r.height < minimum - 0.5) {
      const name = (box.getAttribute('aria-label') || box.textContent || box.className || box.tagName).trim();
      small.push(`${box.tagName.toLowerCase()}.${[...box.classList].slice(0, 3).join('.')} "${name.slice(0, 40)}"` +
                 ` ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return small;
}'''


@pytest.fixture(scope='module')
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    pytest.importorskip('axe_playwright_python', reason='axe-playwright-python is not installed (the [dev] extra)')
    with running_server(tmp_path_factory.mktemp('a11y') / 'demo-data', free_port(), demo=True) as base:
        yield base


@pytest.mark.parametrize('size', list(SIZES))
def test_every_screen_is_accessible_and_big_enough_to_touch(browser: Any, demo: str, size: str) -> None:
    started, problems = time.monotonic(), []
    page = browser.new_context(viewport=SIZES[size], has_touch=size != 'desktop').new_page()
    problems += _check(page, f'{demo}/login', f'sign-in @ {size}')
    sign_in(page, demo)
    for name, path in SCREENS.items():
        problems += _check(page, demo + path, f'{name} @ {size}')
    if size == 'phone':  # the header's menus, open (the same at every size; the phone shows both)
        for menu in ('Menu', 'Account of '):
            problems += _check_menu(page, menu, f'{menu.strip()} menu @ {size}')
    if size == 'wall':
        for wall, viewport in WALL_SIZES.items():
            page.set_viewport_size(viewport)
            problems += _check(page, f'{demo}/display', f'wall-display @ {wall}')
    page.context.close()
    logger.info('%s: %d screens checked in %.1f s', size, len(SCREENS) + 1, time.monotonic() - started)
    assert not problems, '\n'.join(problems)


def _check(page: Any, url: str, where: str) -> list[str]:
    started = time.monotonic()
    page.goto(url)
    page.wait_for_function('window.did_handshake === true')  # NiceGUI's socket is up: the page is live
    page.wait_for_timeout(150)  # what a page sends once connected arrives; transitions settle
    loaded = time.monotonic()
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f'a11y-{where.replace(" @ ", "-")}.png'), full_page=True)
    problems = []
    for rule in _axe().run(page).response['violations']:
        if rule['impact'] in BLOCKING:
            targets = ', '.join(' '.join(map(str, node['target'])) for node in rule['nodes'][:6])
            problems.append(f'{where}: axe {rule["impact"]} {rule["id"]} ({rule["help"]}) at {targets}')
    checked = time.monotonic()
    width = page.evaluate('[document.documentElement.scrollWidth, innerWidth]')
    if width[0] > width[1] + 1:  # bigger targets must not push the page wider than the screen
        problems.append(f'{where}: the page is {width[0]} px wide on a screen of {width[1]} px')
    smalls = page.evaluate(TARGETS, [MIN_TARGET, list(TARGET_EXCEPTIONS), 'body'])
    logger.info('%s: load %.2f s, axe %.2f s, targets %.2f s', where, loaded - started, checked - loaded,
                time.monotonic() - checked)
    for small in dict.fromkeys(smalls):  # a table repeats its row buttons: each kind once, with its count
        count = smalls.count(small)
        problems.append(f'{where}: target under {MIN_TARGET}x{MIN_TARGET} px: {small}' + (f' (x{count})' * (count > 1)))
    return problems


def _check_menu(page: Any, button: str, where: str) -> list[str]:
    page.get_by_role('button', name=button).click()
    menu = page.locator('.q-menu')
    menu.wait_for()
    page.wait_for_timeout(300)  # the menu's opening transition
    problems = [f'{where}: axe {rule["impact"]} {rule["id"]} ({rule["help"]})'
                for rule in _axe().run(page, context='.q-menu').response['violations'] if rule['impact'] in BLOCKING]
    problems += [f'{where}: target under {MIN_TARGET}x{MIN_TARGET} px: {small}'
                 for small in page.evaluate(TARGETS, [MIN_TARGET, list(TARGET_EXCEPTIONS), '.q-menu'])]
    page.keyboard.press('Escape')
    menu.wait_for(state='detached')
    return problems


@functools.cache
def _axe() -> Any:
    """axe-core's script, read from the package once."""
    from axe_playwright_python.sync_playwright import Axe
    return Axe()
