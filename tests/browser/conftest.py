"""Shared for the browser tests: one headless Debian Chromium per test (a fresh temporary profile each launch)."""
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.server import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
