"""Real Chromium, as user stories: the day shift reports, the night shift takes, comments, adds a photo and
completes; oversized and fake photos are refused with their message; a report is undone; the start is picked
without typing; a problem is found by a word of its description. Each story runs in English and in German on one
app server (per module), its people speaking the story's language and every word read from that language's catalogue.
Screenshots go to CTP_SCREENSHOT_DIR (or tmp), the German ones named '-de'."""
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from app.db import build_engine
from app.models import Role
from tests.browser.screens import Words, signed_in_page
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


@pytest.fixture(scope='module')
def plant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    data = tmp_path_factory.mktemp('team-stories') / 'server-data'
    with running_server(data, free_port()) as base:
        engine = build_engine(database_url(data))
        with Session(engine, expire_on_commit=False) as session:
            machine = make_machine(session, 'PlateRite 8600')
            make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
            make_user(session, 'tech2', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
            seeded_category(session, 'Plate loading / autoloader')
        engine.dispose()
        yield base


def _signed_in(browser: Any, base: str, username: str, words: Words, at: str = '/') -> Any:
    return signed_in_page(browser, base, username, PASSWORD, TABLET, WAIT_MS, words, at)


def _shot(page: Any, name: str, tmp_path: Path, words: Words) -> None:
    folder = Path(SHOTS or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = '' if words.code == 'en' else f'-{words.code}'
    page.screenshot(path=str(folder / f'{name}{suffix}.png'), full_page=True)


def _said(words: Words, english: str, german: str) -> str:
    """What a person types, in the story's language (their own words: not from the catalogue)."""
    return english if words.code == 'en' else german


def _report(page: Any, base: str, description: str, words: Words) -> str:
    page.get_by_role('link', name=words('Report problem')).first.tap()
    page.get_by_role('button', name=words.category('Plate loading / autoloader')).tap()
    page.get_by_label(words('What happened?')).fill(description)
    page.get_by_text(words('Draft saved {time}', time='').strip()).wait_for()
    page.get_by_role('button', name=words('Machine DOWN')).tap()
    page.wait_for_url(f'{base}/problem-logs/*')
    return str(page.url)


def test_the_day_shift_reports_and_the_night_shift_takes_comments_adds_a_photo_and_completes(
        plant: str, browser: Any, tmp_path: Path, words: Words) -> None:
    day = _signed_in(browser, plant, 'tech1', words)
    problem = _report(day, plant, _said(words, 'Plates jam in the autoloader', 'Platten stauen sich im Autoloader'),
                      words)
    night = _signed_in(browser, plant, 'tech2', words, at=problem.removeprefix(plant))
    night.get_by_text(_sentence(words('only the reporter or an admin can edit the report'))).wait_for()
    night.get_by_role('button', name=words('Take it')).tap()
    night.get_by_text(words('It is yours now')).wait_for()
    night.locator(f'text={words("Who has it")}').locator('xpath=..').get_by_text('Tech2').wait_for()
    comment = _said(words, 'Pick-up belt worn, new one ordered', 'Abzugsriemen verschlissen, neuer bestellt')
    night.get_by_label(words('Add a comment')).fill(comment)
    night.get_by_role('button', name=words('Add comment')).tap()
    day.get_by_text(comment).first.wait_for()  # the day shift sees it live
    night.get_by_text(words('Add photos')).first.tap()
    photo = tmp_path / 'belt.jpg'
    photo.write_bytes(tiny_jpeg((640, 480)))
    night.locator('.q-uploader input[type=file]').set_input_files(str(photo))
    night.get_by_text(words.plural('{count} photo attached', '{count} photos attached', 1)).wait_for()
    night.get_by_role('button', name=words('Save photos')).tap()
    night.get_by_text(words('Photos added')).wait_for()
    _shot(night, 'problem-team-work', tmp_path, words)
    night.get_by_role('button', name=words('Complete')).tap()
    night.get_by_label(words('Solution')).fill(_said(words, 'Fitted the new pick-up belt', 'Neuen Riemen eingebaut'))
    night.get_by_label(words('Resolved by')).click()
    night.get_by_role('option', name=words('Internal technician')).click()
    night.get_by_role('button', name=words('Save and complete')).tap()
    night.get_by_text(words('Problem completed')).wait_for()
    completed = f'{words("Completed")} · {words("Status")}: {words("In progress")} → {words("Completed")}'
    day.get_by_text(completed).wait_for()
    assert day.get_by_text(f'{words("Commented")} · {words("Comment")}: {comment[:18]}').count() == 1


def test_an_oversized_and_a_fake_photo_are_refused_with_their_message(plant: str, browser: Any, tmp_path: Path,
                                                                      words: Words) -> None:
    page = _signed_in(browser, plant, 'tech1', words)
    page.get_by_role('link', name=words('Report problem')).first.tap()
    big, fake = tmp_path / 'IMG_0031.jpg', tmp_path / 'invoice.jpg'
    big.write_bytes(tiny_jpeg() + b'\0' * (31 * 1024 * 1024))
    fake.write_bytes(b'<html>not a photo</html>')
    not_added = '{name} was not added: {reason}'
    page.locator('.q-uploader input[type=file]').set_input_files([str(big)])
    too_big = words('{limit} is the most; this one is {size}', limit='15 MB', size='31 MB')
    page.get_by_text(words(not_added, name='IMG_0031.jpg', reason=too_big)).wait_for()
    page.locator('.q-uploader input[type=file]').set_input_files([str(fake)])
    not_a_photo = words('this file is not a photo (allowed: JPEG, PNG, WebP, HEIC)')
    page.get_by_text(words(not_added, name='invoice.jpg', reason=not_a_photo)).wait_for()
    assert page.get_by_text(words('No photos attached')).is_visible()
    assert page.get_by_text('100%').count() == 0 and page.get_by_text('0.00%').count() == 0
    _shot(page, 'report-photo-refused', tmp_path, words)


def test_a_report_made_by_mistake_is_undone(plant: str, browser: Any, words: Words) -> None:
    page = _signed_in(browser, plant, 'tech1', words)
    _report(page, plant, _said(words, 'Tapped the wrong machine', 'Falsche Maschine angetippt'), words)
    page.get_by_role('button', name=words('Undo report')).tap()
    page.get_by_text(words('Report undone')).wait_for()
    page.get_by_text(words('reported by mistake (undone by the reporter)')).first.wait_for()
    assert page.get_by_role('button', name=words('Undo report')).count() == 0


def test_the_start_is_picked_without_typing(plant: str, browser: Any, tmp_path: Path, words: Words) -> None:
    page = _signed_in(browser, plant, 'tech1', words)
    page.get_by_role('link', name=words('Report problem')).first.tap()
    page.get_by_text(words('{title} ({zone} time)', title=words('When did it start?'), zone='Europe/Berlin')).wait_for()
    page.get_by_role('button', name=words('Pick…')).tap()
    page.get_by_text(words('Use this time')).wait_for()
    _shot(page, 'report-time-picker', tmp_path, words)
    page.get_by_role('button', name=words('Use this time')).tap()
    started = re.escape(words('Started {time}', time=''))  # a picked time ('Started 06 Dec 14:05'), not 'now'
    page.get_by_text(re.compile(f'^{started}\\d')).wait_for()
    page.get_by_role('button', name=words('15 min ago')).tap()
    page.get_by_role('button', name=words.category('Plate loading / autoloader')).tap()
    page.get_by_role('button', name=words('Running with problem')).tap()
    page.wait_for_url(f'{plant}/problem-logs/*')


def test_a_problem_is_found_by_a_word_of_its_description(plant: str, browser: Any, tmp_path: Path,
                                                         words: Words) -> None:
    page = _signed_in(browser, plant, 'tech1', words)
    description = _said(words, 'Vacuum pump rattles at start-up', 'Vakuumpumpe rattert beim Anlauf')
    _report(page, plant, description, words)
    page.goto(f'{plant}/')
    page.get_by_role('link', name=words('See all problems, search and filter')).tap()
    page.wait_for_url(f'{plant}/problems')
    page.get_by_label(words('Search description or solution')).fill(_said(words, 'rattles', 'rattert'))
    page.locator('.q-table tbody tr', has_text=description).wait_for()
    _shot(page, 'problems-search', tmp_path, words)
    page.locator('.q-table tbody tr', has_text=description).click()
    page.wait_for_url(f'{plant}/problem-logs/*')


def _sentence(text: str) -> str:
    """A reason shown as a sentence: its first letter capitalised, as the screens show it."""
    return text[:1].upper() + text[1:]
