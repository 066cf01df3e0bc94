"""Real Chromium at tablet size: report a problem in three taps and watch another screen turn red, then green. Each
story runs in English and in German on one app server (per module): the technician and the watcher speak the
story's language, every word the test reads comes from that language's catalogue."""
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.db import build_engine
from app.models import Role
from tests.browser.screens import Words, shot, signed_in_page
from tests.browser.server import (
    ADMIN_PASSWORD,
    PHONE,
    TABLET,
    database_url,
    free_port,
    require_chromium,
    running_server,
)
from tests.factories import PASSWORD, make_machine, make_user, seeded_category, tiny_jpeg

logger = logging.getLogger(__name__)
pytestmark = [pytest.mark.browser, pytest.mark.slow]
LIVE = 15.0  # s: the other screen changes without a reload; how fast is bench/fanout.py's figure, not this test's


@pytest.fixture(scope='module')
def server_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp('report-flow') / 'server-data'


@pytest.fixture(scope='module')
def plant(server_data: Path) -> Iterator[str]:
    """tech1 reports on the Kodak (the red-then-green story), tech2 on the Agfa (the stories that leave it down)."""
    require_chromium()
    with running_server(server_data, free_port()) as base:
        engine = build_engine(database_url(server_data))
        with Session(engine, expire_on_commit=False) as session:
            kodak = make_machine(session, 'Kodak Magnus Q800')
            agfa = make_machine(session, 'Agfa Avalon N8-90')
            make_user(session, 'tech1', Role.CTP_USER, [kodak.id])  # type: ignore[list-item]
            make_user(session, 'tech2', Role.CTP_USER, [agfa.id])  # type: ignore[list-item]
            seeded_category(session, 'Imaging head / laser')
        engine.dispose()
        yield base


def _page(browser: Any, base: str, username: str, password: str, errors: list[str], words: Words) -> Any:
    page = signed_in_page(browser, base, username, password, TABLET, 30_000, words)
    page.on('console', lambda message: errors.append(message.text) if message.type == 'error' else None)
    page.on('pageerror', lambda error: errors.append(str(error)))
    return page


def _card(page: Any, name: str) -> Any:
    return page.locator('.q-card', has_text=name)


def _seen_at(page: Any, name: str, css: str, timeout: float = LIVE) -> tuple[float, datetime]:
    """Wait until the card has the colour class; when (monotonic, wall clock) it was seen."""
    _card(page, name).and_(page.locator(f'.{css}')).wait_for(timeout=timeout * 1000)
    return time.monotonic(), datetime.now(UTC)


def _saved_at(base_dir: Path, column: str) -> datetime:
    """When the server wrote the newest problem: created_at or updated_at, same host clock as the browser."""
    engine = build_engine(database_url(base_dir))
    with engine.connect() as connection:
        value = connection.execute(text(f'SELECT {column} FROM ctp_problem_logs ORDER BY id DESC LIMIT 1')).scalar_one()
    engine.dispose()
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_report_on_a_tablet_turns_another_screen_red_then_green(plant: str, server_data: Path, browser: Any,
                                                                 tmp_path: Path, words: Words) -> None:
    errors: list[str] = []
    watcher = _page(browser, plant, 'admin', ADMIN_PASSWORD, errors, words)
    tablet = _page(browser, plant, 'tech1', PASSWORD, errors, words)
    first_page = 90_000  # ms: on a loaded CI machine the first page after sign-in can be slow
    _card(watcher, 'Kodak Magnus Q800').and_(watcher.locator('.bg-green-9')).wait_for(timeout=first_page)
    laser = words.category('Imaging head / laser')

    tablet.get_by_role('link', name=words('Report problem')).first.tap()           # tap 1
    tablet.get_by_role('button', name=laser).tap()                                  # tap 2
    photo = tmp_path / 'laser.jpg'
    photo.write_bytes(tiny_jpeg((640, 480)))
    tablet.locator('input[type=file]').set_input_files(str(photo))
    tablet.get_by_text(words.plural('{count} photo attached', '{count} photos attached', 1)).wait_for()
    shot(tablet, 'story-report-form', words)
    tapped = time.monotonic()
    tablet.get_by_role('button', name=words('Machine DOWN')).tap()                  # tap 3
    seen, seen_wall = _seen_at(watcher, 'Kodak Magnus Q800', 'bg-red-8')
    tablet.wait_for_url(f'{plant}/problem-logs/*')
    red_after = (seen_wall - _saved_at(server_data, 'created_at')).total_seconds()
    logger.info('other screen red %.3f s after the save (%.3f s after the tap)', red_after, seen - tapped)
    shown = _card(watcher, 'Kodak Magnus Q800').inner_text()  # the card's text is redrawn with its colour
    shot(watcher, 'story-overview-red', words)
    assert words('DOWN') in shown and laser in shown and words('Who: {name}', name=words('UNASSIGNED')) in shown

    tablet.get_by_role('button', name=words('Complete')).tap()
    tablet.get_by_label(words('Solution')).fill('Cleaned the laser optics')
    tablet.get_by_label(words('Resolved by')).click()
    tablet.get_by_role('option', name=words('Operator')).click()
    tapped = time.monotonic()
    tablet.get_by_role('button', name=words('Save and complete')).tap()
    seen, seen_wall = _seen_at(watcher, 'Kodak Magnus Q800', 'bg-green-9')
    tablet.get_by_text(words('Problem completed')).wait_for()
    green_after = (seen_wall - _saved_at(server_data, 'updated_at')).total_seconds()
    logger.info('other screen green %.3f s after the save (%.3f s after the tap)', green_after, seen - tapped)
    shown = _card(watcher, 'Kodak Magnus Q800').inner_text()
    assert words('RUNNING') in shown and laser not in shown
    assert errors == []


def test_typed_text_survives_a_reload_and_a_double_tap_makes_one_problem(plant: str, browser: Any,
                                                                         words: Words) -> None:
    errors: list[str] = []
    tablet = _page(browser, plant, 'tech2', PASSWORD, errors, words)
    typed = {'en': 'Laser power drops after warm-up', 'de': 'Laserleistung fällt nach dem Aufwärmen ab'}[words.code]
    tablet.get_by_role('link', name=words('Report problem')).first.tap()
    tablet.get_by_label(words('What happened?')).fill(typed)
    tablet.get_by_text(words('Draft saved {time}', time='').strip()).wait_for()
    tablet.reload()
    assert tablet.get_by_label(words('What happened?')).input_value() == typed
    tablet.get_by_role('button', name=words('Machine DOWN')).dblclick()
    tablet.wait_for_url(f'{plant}/problem-logs/*')
    tablet.goto(f'{plant}/')
    assert tablet.locator('.ctp-recent-row', has_text=typed).count() == 1
    assert errors == []


# the report page keeps its action bar's height in --ctp-action-bar (a ResizeObserver; pages/problem_report.py)
BAR_MEASURED = ("() => { const bar = document.querySelector('.ctp-action-bar'); return bar && "
                "getComputedStyle(document.body).getPropertyValue('--ctp-action-bar').trim() === "
                "`${Math.ceil(bar.getBoundingClientRect().height)}px`; }")


def _settled_box(page: Any, element: Any) -> dict[str, float]:
    """The element's box once it stopped moving (a toast slides in)."""
    box = element.bounding_box()
    for _ in range(50):
        page.wait_for_timeout(100)
        if (now := element.bounding_box()) == box:
            return box  # type: ignore[no-any-return]
        box = now
    raise AssertionError(f'still moving: {box}')


def test_toasts_stay_clear_of_the_report_buttons(plant: str, browser: Any, words: Words) -> None:
    """A message (saved, refused, offline) never lies over Machine DOWN / Running with problem, at any width: the
    buttons are one row on a tablet and two on a phone (in German too, whose words run longer)."""
    errors: list[str] = []
    tablet = _page(browser, plant, 'tech1', PASSWORD, errors, words)
    tablet.get_by_role('link', name=words('Report problem')).first.tap()
    tablet.get_by_role('button', name=words('Machine DOWN')).wait_for()
    for size in (TABLET, {'width': 1024, 'height': 768}, PHONE):
        tablet.set_viewport_size(size)
        tablet.wait_for_function(BAR_MEASURED)  # the page has moved its toasts above the bar's new height
        tablet.evaluate("Quasar.Notify.create({message: 'A message long enough to span a phone screen', "
                        "group: false, timeout: 0})")
        toast = tablet.locator('.q-notification').last
        box = _settled_box(tablet, toast)
        for name in (words('Machine DOWN'), words('Running with problem')):
            button = tablet.get_by_role('button', name=name).bounding_box()
            overlap = box['y'] < button['y'] + button['height'] and button['y'] < box['y'] + box['height'] \
                and box['x'] < button['x'] + button['width'] and button['x'] < box['x'] + box['width']
            assert not overlap, f'the message lies over {name} at {size}: {box} vs {button}'
        tablet.evaluate("document.querySelectorAll('.q-notification').forEach(n => n.remove())")
    assert errors == []
