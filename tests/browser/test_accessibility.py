"""Every main screen in real Chromium at tablet, phone, desktop and wall size, light and dark, as the admin and as a
technician, dialogs open: axe-core finds no serious or critical violation, every visible control is a target of at
least 48x48 CSS px (gloved hands on the plate-room tablets), each screen has one level-1 heading (its title, the
first stop of a screen reader's heading list), and no page logs a JavaScript error.

One demo server for the module, one tab per walk that goes through the screens; a walk of several sizes loads a
screen once and checks it at each size, the window resized in between. The exceptions to the target size
are listed in TARGET_EXCEPTIONS, each with its reason. CTP_SCREENSHOT_DIR=docs/screenshots refreshes the README's
pictures of the screens (`<screen>-<walk>.png`).
"""
import functools
import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from nicegui import __version__ as nicegui_version

from tests.browser.screens import ADMIN_PAGES, MANAGER_PAGES, PAGES, PROFILE_PAGES, sign_in
from tests.browser.server import DESKTOP, PHONE, free_port, require_chromium, running_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
logger = logging.getLogger(__name__)
SIZES = {'tablet': {'width': 1024, 'height': 768}, 'phone': PHONE, 'desktop': DESKTOP,
         'wall': {'width': 1920, 'height': 1080}}
WALL_SIZES = {'wall': SIZES['wall'], 'wall-4k': {'width': 3840, 'height': 2160}}  # the board: only on the wall
SCREENS = {**PAGES, **PROFILE_PAGES, **MANAGER_PAGES, **ADMIN_PAGES}  # the admin may open every one of them
BLOCKING = ('serious', 'critical')
SHOTS = os.environ.get('CTP_SCREENSHOT_DIR')  # a folder for a picture of each screen checked; read at import (the
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


# Who walks, in which theme, and at which sizes: the admin opens every screen (light at every size; dark at phone size,
# whose narrow layout shows every element the wider ones do), the technician the screens of the shift with the
# problem page's dialogs open (light at tablet size, dark at phone size). A walk of several sizes loads each screen
# once and checks it at each size in turn, the window resized in between, as a tablet turned or a window dragged
# does: the layout follows the width (CSS, Quasar's layout and screen sizes), not the load. Touch sizes share a
# browser with touch; the desktop has a mouse.
WALKS = {'touch': (('tablet', 'phone', 'wall'), 'admin', False), 'desktop': (('desktop',), 'admin', False),
         'phone-dark': (('phone',), 'admin', True),
         'tablet-technician': (('tablet',), 'tech1', False), 'phone-technician-dark': (('phone',), 'tech1', True)}
# The dialogs of a problem the technician reported and works (the demo's open problem on machine 1): button -> dialog
PROBLEM_DIALOGS = ('Complete', 'Vendor', 'Edit', 'Hand over')
ADMIN_DIALOGS = {'/admin/users': 'Edit'}  # screen -> the first button of that name opens its dialog
DIALOG_SIZES = ('tablet', 'phone')  # where the admin's dialogs are checked (the narrowest cards)
View = tuple[str, str, dict[str, int]]  # size, its name in the findings ("overview @ <name>"), viewport


@pytest.mark.parametrize('walk', list(WALKS))
def test_every_screen_is_accessible_and_big_enough_to_touch(browser: Any, demo: str, walk: str) -> None:
    sizes, who, dark = WALKS[walk]
    views = [(size, size if len(sizes) > 1 else walk, SIZES[size]) for size in sizes]
    started, problems = time.monotonic(), []
    page = browser.new_context(viewport=SIZES[sizes[0]], has_touch='desktop' not in sizes).new_page()
    errors: list[str] = []
    page.on('console', lambda message: errors.append(message.text) if message.type == 'error' else None)
    page.on('pageerror', lambda error: errors.append(str(error)))
    if not dark and who == 'admin':
        problems += _check(page, f'{demo}/login', 'sign-in', views)
    sign_in(page, demo, who)
    if dark:
        _switch_to_dark(page)
    screens = SCREENS if who == 'admin' else {**PAGES, **PROFILE_PAGES}
    for n, (name, path) in enumerate(screens.items()):  # every other screen in reverse: one resize fewer each
        dialog = ADMIN_DIALOGS.get(path) if who == 'admin' else None
        problems += _check(page, demo + path, name, views if n % 2 == 0 else views[::-1], dialog)
    if who != 'admin':
        problems += _check_problem_dialogs(page, demo, views)
    if 'phone' in sizes and not dark:  # the header's menus, open (the same at every size; the phone shows both)
        _resize(page, SIZES['phone'])
        for menu in ('Menu', 'Account of '):
            problems += _check_menu(page, menu, f'{menu.strip()} menu @ phone')
    if walk == 'desktop':
        problems += _rows_open_their_problem(page, demo)
        problems += _kpi_rows_drill_down_by_keyboard(page, demo)
        problems += _loading_bar_while_a_request_runs(page)
    if 'wall' in sizes:
        problems += _check(page, f'{demo}/display', 'wall-display',
                           [(size, size, viewport) for size, viewport in WALL_SIZES.items()])
    page.context.close()
    logger.info('%s: %d screens checked at %d sizes in %.1f s', walk, len(screens) + 1, len(sizes),
                time.monotonic() - started)
    assert not problems, '\n'.join(problems)
    assert errors == [], f'JavaScript errors in the {walk} walk: {errors}'


def _rows_open_their_problem(page: Any, demo: str) -> list[str]:
    """A machine's history opens a problem by a tap on its row, and by keyboard: Tab to the row's link, Enter."""
    page.goto(f'{demo}/machines/1')
    page.locator('.q-table tbody tr').first.click()
    page.wait_for_url(f'{demo}/problem-logs/*')
    target = ''

    def press() -> None:
        nonlocal target
        page.goto(f'{demo}/machines/1')
        page.wait_for_function('window.did_handshake === true')  # the table is drawn by Vue; focus only what stays
        href = page.locator('.q-table tbody tr a').first.get_attribute('href')
        target = f'{demo}{href}'
        # focus that one link, then Enter, as a keyboard user does after Tab (found by its address: a live update
        # may redraw or reorder the rows in between)
        page.locator(f'.q-table tbody tr a[href="{href}"]').press('Enter')

    _until_it_opens(press, lambda: page.wait_for_url(target, timeout=10_000), 'Enter on a history row')
    opened = page.locator('h1, .text-2xl').first.text_content(timeout=30_000) or ''
    return [] if page.url == target else [f'Enter on a history row opened {page.url} ({opened}), not {target}']


def _kpi_rows_drill_down_by_keyboard(page: Any, demo: str) -> list[str]:
    """Statistics: a machine's name in the figures table is a button; Enter on it opens the drill-down."""
    page.goto(f'{demo}/statistics')
    page.wait_for_function('window.did_handshake === true')
    name = ''

    def press() -> None:
        nonlocal name
        button = page.locator('.q-table tbody tr').first.get_by_role('button')
        name = (button.text_content() or '').strip()
        button.focus()
        page.keyboard.press('Enter')

    _until_it_opens(press, lambda: page.locator('.q-dialog').wait_for(timeout=10_000), 'Enter on a figures row')
    title = page.locator('.q-dialog .text-lg').first.text_content() or ''
    page.keyboard.press('Escape')
    page.locator('.q-dialog').wait_for(state='detached')
    return [] if title.startswith(name) else [f'Enter on "{name}" opened a drill-down titled "{title}"']


def _until_it_opens(press: Callable[[], None], opened: Callable[[], object], what: str) -> None:
    """A key press and what it opens, up to three times: the walks share one server, and another walk's change that
    redraws the focused element between the focus and the key loses the focus (the key then opens nothing)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # lazily, as playwright is here
    for attempt in range(3):
        press()
        try:
            opened()
            return
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
            logger.warning('%s opened nothing (attempt %d): drawn again in between?', what, attempt + 1)


def _loading_bar_while_a_request_runs(page: Any) -> list[str]:
    """Quasar's bar along the top of every screen, shown while a request of the page runs (a photo's upload):
    axe finds nothing on it either (the walks never catch it running)."""
    page.evaluate('Quasar.LoadingBar.start()')
    page.wait_for_function("document.querySelector('.q-loading-bar').style.opacity !== '0'")
    problems = _axe_problems(page, 'loading bar @ desktop', '.q-loading-bar')
    page.evaluate('Quasar.LoadingBar.stop()')
    return problems


def _switch_to_dark(page: Any) -> None:
    """The user menu's theme switch, as a person would; every page after it opens dark."""
    page.get_by_role('button', name='Account of ').click()
    page.get_by_role('menuitem', name='Light / dark theme').click()
    page.wait_for_function("document.body.classList.contains('body--dark')")
    page.reload()
    page.wait_for_function("window.did_handshake === true && document.body.classList.contains('body--dark')")


def _check_problem_dialogs(page: Any, demo: str, views: list[View]) -> list[str]:
    """Open each dialog of the technician's open problem on machine 1 (its own report, so Edit is offered), at the
    walk's last size."""
    listing = page.request.get(f'{demo}/api/ctp-problem-logs?machine_id=1&status=open&status=in_progress').json()
    problem = listing['items'][0]['id']
    problems = _check(page, f'{demo}/problem-logs/{problem}', 'open problem', views)
    walk = views[-1][1]
    if page.get_by_role('button', name='Take it').count():  # taken, it offers Hand over too
        page.get_by_role('button', name='Take it').click()
        page.get_by_role('button', name='Hand over').wait_for()
    for button in PROBLEM_DIALOGS:
        problems += _check_dialog(page, button, f'{button} dialog @ {walk}')
    return problems


def _check_dialog(page: Any, button: str, where: str) -> list[str]:
    """axe and the target sizes inside the dialog the first button named `button` opens; closed again after."""
    page.get_by_role('button', name=button, exact=True).first.click()
    dialog = page.locator('.q-dialog')
    dialog.wait_for()
    _settle(page)  # the dialog's opening transition (its backdrop fades in)
    # axe-core composites Quasar's dialog backdrop (fixed, z-index -1 inside the dialog's stacking context, so it
    # paints behind the card) over the card's own background and fails every button on it (dequelabs/axe-core#3464):
    # the backdrop is hidden while axe reads the dialog, whose card is opaque.
    page.evaluate("document.head.append(Object.assign(document.createElement('style'), {id: 'axe-no-backdrop', "
                  "textContent: '.q-dialog__backdrop { display: none !important }'}))")
    problems = _axe_problems(page, where, '.q-dialog')
    page.evaluate("document.getElementById('axe-no-backdrop').remove()")
    problems += [f'{where}: target under {MIN_TARGET}x{MIN_TARGET} px: {small}'
                 for small in page.evaluate(TARGETS, [MIN_TARGET, list(TARGET_EXCEPTIONS), '.q-dialog'])]
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f'{where.replace(" @ ", "-").replace(" ", "-")}.png'))
    page.keyboard.press('Escape')
    dialog.wait_for(state='detached')
    return problems


def _check(page: Any, url: str, name: str, views: list[View], dialog: str | None = None) -> list[str]:
    """The screen's problems at each view (loaded once, at the first). A screen that reloads itself while being read
    (NiceGUI reloads a page whose socket comes back to a server that dropped it, which a loaded machine can cause: the
    read's context is destroyed, or the navigation to it aborted) is read again, up to twice, and it is logged."""
    for attempt in range(3):
        try:
            return _check_once(page, url, name, views, dialog, fresh=attempt > 0)
        except Exception as error:  # playwright's Error, imported lazily like the rest of playwright here
            if attempt == 2 or not any(sign in str(error) for sign in RELOADED):
                raise
            logger.warning('%s reloaded while it was checked; checking it again', name)
    raise AssertionError('unreachable')


# the level-1 headings a screen reader lists (visually hidden ones included: they have a box of 1 px)
LEVEL_ONE = ("[...document.querySelectorAll('h1, [role=heading][aria-level=\"1\"]')]"
             ".filter(el => el.getClientRects().length && !el.closest('[aria-hidden=\"true\"]'))"
             ".map(el => el.textContent.trim())")
RELOADED = ('Execution context was destroyed', 'net::ERR_ABORTED')
# every finite animation and transition of the page has ended (a spinner's or the wall's drift never ends): axe reads
# the colours as a person sees them once the screen is still; a toast caught half faded in measured 1.02:1
SETTLED = ("() => document.getAnimations().every(a => a.playState !== 'running'"
           " || a.effect?.getComputedTiming().iterations === Infinity)")


def _settle(page: Any) -> None:
    page.wait_for_function(SETTLED, timeout=30_000, polling=100)


def _resize(page: Any, viewport: dict[str, int]) -> None:
    """The window at this size, once the page has laid itself out again (resize observers run before the next frame
    is drawn; a drawer's switch between docked and overlay animates)."""
    if page.viewport_size == viewport:
        return
    page.set_viewport_size(viewport)
    page.evaluate('new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))')
    _settle(page)


def _check_once(page: Any, url: str, name: str, views: list[View], dialog: str | None, fresh: bool) -> list[str]:
    """Checked at each view; loaded unless the tab shows it already (the overview a sign-in lands on)."""
    started = time.monotonic()
    _resize(page, views[0][2])
    if fresh or page.url != url:
        page.goto(url)
    page.wait_for_function('window.did_handshake === true')  # NiceGUI's socket is up: the page is live
    page.wait_for_timeout(150)  # what a page sends once connected arrives
    _settle(page)
    logger.info('%s: loaded in %.2f s', name, time.monotonic() - started)
    problems = []
    for size, label, viewport in views:
        _resize(page, viewport)
        problems += _inspect(page, f'{name} @ {label}')
        if dialog and size in DIALOG_SIZES:
            problems += _check_dialog(page, dialog, f'{name} dialog @ {label}')
    return problems + _unstyled(page, name)


# NiceGUI's in-browser Tailwind compiler, loaded into the screen as it is now: every class it builds a rule for must
# have one in the app's own sheet, built ahead (components/styles/tailwind.css; scripts/build-css). The class names
# are read from both sheets' selectors (the same CSSOM serialises them).
UNSTYLED = r"""async (src) => {
  const names = (rules, found) => {
    for (const rule of rules) {
      for (const match of (rule.selectorText || '').matchAll(/\.((?:\\.|[\w-])+)/g)) found.add(match[1]);
      if (rule.cssRules) names(rule.cssRules, found);
    }
    return found;
  };
  const ours = new Set();
  for (const sheet of document.styleSheets) {
    if ((sheet.href || '').includes('/static/tailwind-')) names(sheet.cssRules, ours);
  }
  if (!ours.size) return ['(the sheet is not linked)'];
  const before = new Set(document.querySelectorAll('style'));
  const script = Object.assign(document.createElement('script'), {src});
  await new Promise((done, fail) => { script.onload = done; script.onerror = fail; document.head.append(script); });
  let built = [];
  for (let i = 0; i < 100 && !built.length; i++) {
    await new Promise(done => setTimeout(done, 50));
    built = [...document.querySelectorAll('style')].filter(style => !before.has(style) && style.sheet?.cssRules.length);
  }
  if (!built.length) return ['(the in-browser compiler built nothing)'];
  const theirs = new Set();
  for (const style of built) names(style.sheet.cssRules, theirs);
  return [...theirs].filter(name => !ours.has(name)).sort();
}"""


def _unstyled(page: Any, name: str) -> list[str]:
    """Classes on the screen that NiceGUI's Tailwind would style and the app's prebuilt sheet does not."""
    missing = page.evaluate(UNSTYLED, f'/_nicegui/{nicegui_version}/static/tailwindcss.min.js')
    return [f'{name}: no rule in components/styles/tailwind.css for {missing}: run scripts/build-css'] * bool(missing)


def _inspect(page: Any, where: str) -> list[str]:
    """axe-core, the page's width, its level-1 headings, its header and its targets, as the window is now."""
    began = time.monotonic()
    if SHOTS:
        page.wait_for_timeout(600)  # charts animate in
        page.screenshot(path=str(Path(SHOTS) / f'{where.replace(" @ ", "-")}.png'), full_page=True)
    problems = _axe_problems(page, where)
    checked = time.monotonic()
    width = page.evaluate('[document.documentElement.scrollWidth, innerWidth]')
    if width[0] > width[1] + 1:  # bigger targets must not push the page wider than the screen
        problems.append(f'{where}: the page is {width[0]} px wide on a screen of {width[1]} px')
    titles = page.evaluate(LEVEL_ONE)
    if len(titles) != 1:  # a screen reader's "next heading" finds the screen's title, and only one
        problems.append(f'{where}: {len(titles)} level-1 headings {titles}, not the screen\'s title alone')
    cut = page.evaluate("[...document.querySelectorAll('.q-header a, .q-header button')]"
                        ".filter(el => el.getClientRects().length && el.getBoundingClientRect().right > innerWidth + 1)"
                        ".map(el => (el.getAttribute('aria-label') || el.textContent).trim())")
    if cut:  # a header too full pushes the bell and the account menu off the screen (it does not scroll)
        problems.append(f'{where}: the header cuts off {cut}')
    smalls = page.evaluate(TARGETS, [MIN_TARGET, list(TARGET_EXCEPTIONS), 'body'])
    logger.info('%s: axe %.2f s, the rest %.2f s', where, checked - began, time.monotonic() - checked)
    for small in dict.fromkeys(smalls):  # a table repeats its row buttons: each kind once, with its count
        count = smalls.count(small)
        problems.append(f'{where}: target under {MIN_TARGET}x{MIN_TARGET} px: {small}' + (f' (x{count})' * (count > 1)))
    return problems


def _check_menu(page: Any, button: str, where: str) -> list[str]:
    page.get_by_role('button', name=button).click()
    menu = page.locator('.q-menu')
    menu.wait_for()
    _settle(page)  # the menu's opening transition
    problems = _axe_problems(page, where, '.q-menu')
    problems += [f'{where}: target under {MIN_TARGET}x{MIN_TARGET} px: {small}'
                 for small in page.evaluate(TARGETS, [MIN_TARGET, list(TARGET_EXCEPTIONS), '.q-menu'])]
    page.keyboard.press('Escape')
    menu.wait_for(state='detached')
    return problems


def _axe_problems(page: Any, where: str, context: str | None = None) -> list[str]:
    """axe-core's serious and critical violations on the page (or inside `context`), with where and why."""
    problems = []
    if not page.evaluate("typeof window.axe === 'object'"):  # once per page load, not per check
        page.evaluate(_axe_script())
    for rule in page.evaluate(AXE_RUN, [context, {'resultTypes': ['violations']}])['violations']:
        if rule['impact'] in BLOCKING:
            targets = ', '.join(' '.join(map(str, node['target'])) for node in rule['nodes'][:6])
            why = rule['nodes'][0].get('failureSummary', '').replace('\n', ' ')[:300]
            problems.append(f'{where}: axe {rule["impact"]} {rule["id"]} ({rule["help"]}) at {targets}: {why}')
    return problems


AXE_RUN = '([context, options]) => axe.run(context ?? document, options)'


@functools.cache
def _axe_script() -> str:
    """axe-core's script, as the axe-playwright-python package bundles it, read once."""
    from axe_playwright_python.base import AXE_SCRIPT
    return AXE_SCRIPT
