"""Shared for the browser tests: one headless Debian Chromium per test module (a fresh temporary profile each
launch; each test's own windows are closed after it), and the language each user story runs in."""
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.screens import LANGUAGES, Words
from tests.browser.server import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope='module')
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser(chromium: Any) -> Iterator[Any]:
    yield chromium
    for context in list(chromium.contexts):
        context.close()


@pytest.fixture(params=LANGUAGES)
def words(request: pytest.FixtureRequest) -> Words:
    """A user story once in each language, on the same app server (its fixture is per module): the test reads what
    the screens say in `words`, and signs its people in with that language."""
    return Words(request.param)
