"""Sign-in in a real browser: from Enter in the password field to a usable overview (a machine card on screen).

    /work/main/.venv/bin/python -m bench.signin_browser [rounds]

Starts CTP Log (`python main.py`, SQLite, its own data folder) and Chromium, signs in `rounds` times (fresh
browser context each) and prints each time and the median, plus the time a wrong password takes to be told.
"""
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlmodel import Session

from app.db import build_engine
from app.models import Role
from tests.browser.server import (
    ADMIN_PASSWORD,
    CHROMIUM,
    CHROMIUM_ARGS,
    TABLET,
    database_url,
    free_port,
    running_server,
)
from tests.factories import make_machine, make_user

logger = logging.getLogger('bench.signin')


def _seed(data: Path) -> None:
    engine = build_engine(database_url(data))
    with Session(engine, expire_on_commit=False) as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    engine.dispose()


def _one(browser: object, base: str, password: str, ready: str) -> float:
    page = browser.new_context(viewport=TABLET).new_page()  # type: ignore[attr-defined]
    page.goto(f'{base}/login')
    page.get_by_label('User name').fill('admin')
    page.get_by_label('Password').fill(password)
    started = time.perf_counter()
    page.get_by_label('Password').press('Enter')
    page.get_by_text(ready).first.wait_for(timeout=20_000)
    elapsed = time.perf_counter() - started
    page.context.close()
    return elapsed


def main(rounds: int = 5) -> None:
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    with tempfile.TemporaryDirectory() as folder, running_server(Path(folder) / 'data', free_port()) as base:
        _seed(Path(folder) / 'data')
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            _one(browser, base, ADMIN_PASSWORD, 'Kodak Magnus Q800')  # warm-up: first page build, imports
            good = [_one(browser, base, ADMIN_PASSWORD, 'Kodak Magnus Q800') for _ in range(rounds)]
            wrong = [_one(browser, base, 'not the password', 'Wrong user name or password') for _ in range(2)]
            browser.close()
    logger.info('Enter -> usable overview: %s s; median %.2f s', ' '.join(f'{t:.2f}' for t in good),
                statistics.median(good))
    logger.info('Enter -> "Wrong user name or password": %s s', ' '.join(f'{t:.2f}' for t in wrong))


if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
