"""Real Chromium, as user stories: the day shift reports, the night shift takes, comments, adds a photo and
completes; oversized and fake photos are refused with their message; a report is undone; the start is picked
without typing; a problem is found by a word of its description. Screenshots go to CTP_SCREENSHOT_DIR (or tmp)."""
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from app.db import build_engine
from app.models import Role
from tests.browser.screens import signed_in_page
from tests.browser.server import (
    TABLET,
    database_url,
    free_port,
    require_chromium,
    running_server,
)
from tests.factories import PASSWORD, make_machine, make_user, seeded_category, tiny_jpeg

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WAIT_MS = 15_000
SHOTS = os.environ.get('CTP_SCREENSHOT_DIR')  # read at import: the test fixtures clear CTP_* variables


@pytest.fixture
def plant(tmp_path: Path) -> Iterator[str]:
    require_chromium()
    data = tmp_path / 'server-data'
    with running_server(data, free_port()) as base:
        engine = build_engine(database_url(data))
        with Session(engine, expire_on_commit=False) as session:
            machine = make_machine(session, 'PlateRite 8600')
            make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
            make_user(session, 'tech2', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
            seeded_category(session, 'Plate loading / autoloader')
        engine.dispose()
        yield base



def _signed_in(browser: Any, base: str, username: str) -> Any:
    return signed_in_page(browser, base, username, PASSWORD, TABLET, WAIT_MS)


def _shot(page: Any, name: str, tmp_path: Path) -> None:
    folder = Path(SHOTS or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f'{name}.png'), full_page=True)


def _report(page: Any, base: str, description: str) -> str:
    page.get_by_role('link', name='Report problem').first.tap()
    page.get_by_role('button', name='Plate loading / autoloader').tap()
    page.get_by_label('What happened?').fill(description)
    page.get_by_text('Draft saved').wait_for()
    page.get_by_role('button', name='Machine DOWN').tap()
    page.wait_for_url(f'{base}/problem-logs/*')
    return str(page.url)


def test_the_day_shift_reports_and_the_night_shift_takes_comments_adds_a_photo_and_completes(
        plant: str, browser: Any, tmp_path: Path) -> None:
    day = _signed_in(browser, plant, 'tech1')
    problem = _report(day, plant, 'Plates jam in the autoloader')
    night = _signed_in(browser, plant, 'tech2')
    night.goto(problem)
    night.get_by_text('Only the reporter or an admin can edit the report').wait_for()
    night.get_by_role('button', name='Take it').tap()
    night.get_by_text('It is yours now').wait_for()
    night.locator('text=Who has it').locator('xpath=..').get_by_text('Tech2').wait_for()
    night.get_by_label('Add a comment').fill('Pick-up belt worn, new one ordered')
    night.get_by_role('button', name='Add comment').tap()
    day.get_by_text('Pick-up belt worn, new one ordered').first.wait_for()  # the day shift sees it live
    night.get_by_text('Add photos').first.tap()
    photo = tmp_path / 'belt.jpg'
    photo.write_bytes(tiny_jpeg((640, 480)))
    night.locator('.q-uploader input[type=file]').set_input_files(str(photo))
    night.get_by_text('1 photo attached').wait_for()
    night.get_by_role('button', name='Save photos').tap()
    night.get_by_text('Photos added').wait_for()
    _shot(night, 'problem-team-work', tmp_path)
    night.get_by_role('button', name='Complete').tap()
    night.get_by_label('Solution').fill('Fitted the new pick-up belt')
    night.get_by_label('Resolved by').click()
    night.get_by_role('option', name='Internal technician').click()
    night.get_by_role('button', name='Save and complete').tap()
    night.get_by_text('Problem completed').wait_for()
    day.get_by_text('Completed · Status: In progress → Completed').wait_for()
    assert day.get_by_text('Commented · Comment: Pick-up belt worn').count() == 1


def test_an_oversized_and_a_fake_photo_are_refused_with_their_message(plant: str, browser: Any,
                                                                      tmp_path: Path) -> None:
    page = _signed_in(browser, plant, 'tech1')
    page.get_by_role('link', name='Report problem').first.tap()
    big, fake = tmp_path / 'IMG_0031.jpg', tmp_path / 'invoice.jpg'
    big.write_bytes(tiny_jpeg() + b'\0' * (31 * 1024 * 1024))
    fake.write_bytes(b'<html>not a photo</html>')
    page.locator('.q-uploader input[type=file]').set_input_files([str(big)])
    page.get_by_text('IMG_0031.jpg was not added: 15 MB is the most; this one is 31 MB').wait_for()
    page.locator('.q-uploader input[type=file]').set_input_files([str(fake)])
    page.get_by_text('invoice.jpg was not added: this file is not a photo').wait_for()
    assert page.get_by_text('No photos attached').is_visible()
    assert page.get_by_text('100%').count() == 0 and page.get_by_text('0.00%').count() == 0
    _shot(page, 'report-photo-refused', tmp_path)


def test_a_report_made_by_mistake_is_undone(plant: str, browser: Any) -> None:
    page = _signed_in(browser, plant, 'tech1')
    _report(page, plant, 'Tapped the wrong machine')
    page.get_by_role('button', name='Undo report').tap()
    page.get_by_text('Report undone').wait_for()
    page.get_by_text('reported by mistake (undone by the reporter)').wait_for()
    assert page.get_by_role('button', name='Undo report').count() == 0


def test_the_start_is_picked_without_typing(plant: str, browser: Any, tmp_path: Path) -> None:
    page = _signed_in(browser, plant, 'tech1')
    page.get_by_role('link', name='Report problem').first.tap()
    page.get_by_text('When did it start? (Europe/Berlin time)').wait_for()
    page.get_by_role('button', name='Pick…').tap()
    page.get_by_text('Use this time').wait_for()
    _shot(page, 'report-time-picker', tmp_path)
    page.get_by_role('button', name='Use this time').tap()
    page.get_by_text(re.compile(r'^Started \d')).wait_for()  # a picked time ('Started 06 Dec 14:05'), not 'now'
    page.get_by_role('button', name='15 min ago').tap()
    page.get_by_role('button', name='Plate loading / autoloader').tap()
    page.get_by_role('button', name='Running with problem').tap()
    page.wait_for_url(f'{plant}/problem-logs/*')


def test_a_problem_is_found_by_a_word_of_its_description(plant: str, browser: Any, tmp_path: Path) -> None:
    page = _signed_in(browser, plant, 'tech1')
    _report(page, plant, 'Vacuum pump rattles at start-up')
    page.goto(f'{plant}/')
    page.get_by_role('link', name='See all problems, search and filter').tap()
    page.wait_for_url(f'{plant}/problems')
    page.get_by_label('Search description or solution').fill('rattles')
    page.locator('.q-table tbody tr', has_text='Vacuum pump rattles').wait_for()
    _shot(page, 'problems-search', tmp_path)
    page.locator('.q-table tbody tr', has_text='Vacuum pump rattles').click()
    page.wait_for_url(f'{plant}/problem-logs/*')
