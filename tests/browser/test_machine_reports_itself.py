"""Real Chromium, issue 21's "Done when": a platesetter reports itself. A device link exists; recorded JMF status
signals are posted to the receiver as the simulator posts them (bench/jmf_sim.py: the link's URL token). The device
says it stopped with a PaperJam -> the machine's card turns red on another open overview without a reload (the time
it took is logged; bench/jmf_ingest.py measures it against the 1 s target) and the technician's tablet asks why,
the reason its details point to pre-chosen; one tap explains it; Running ends the
downtime at the signal's time (the problem shows it); the statistics' downtime of the machine matches its ledger.

The story runs in English and in German on one app server, each language with its own machine and device link.

Signal times are pinned in the messages (a whole second, shortly before they are sent, inside the receiver's clock
skew tolerance), so nothing depends on today's date."""
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import Session

from app import i18n
from app.db import build_engine
from app.models import Role
from app.services.jmf import links
from bench.jmf_sim import JMF
from tests.browser.screens import LANGUAGES, Words, shot, signed_in_page
from tests.browser.server import (
    ADMIN_PASSWORD,
    DESKTOP,
    TABLET,
    database_url,
    free_port,
    require_chromium,
    running_server,
)
from tests.factories import PASSWORD, actor, make_machine, make_user, seeded_category

logger = logging.getLogger(__name__)
pytestmark = [pytest.mark.browser, pytest.mark.slow]
RECORDED = Path(__file__).resolve().parents[1] / 'fixtures' / 'jmf'
WAIT_MS = 15_000
DOWN_FOR = timedelta(minutes=3)  # longer than the micro-stop threshold (60 s), shorter than the silence (5 min)


RECORDED_SENDER = 'MAGNUS-Q800-01'
MACHINES = {'en': ('Magnus', RECORDED_SENDER), 'de': ('Avalon', 'AVALON-N8-02')}  # (name, sender) per language


@dataclass
class Plant:
    base: str
    machine_id: int
    secret: str
    name: str
    sender: str


@pytest.fixture(scope='module')
def plants(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Plant]]:
    """One server; a machine with its device link per language, tech1 working both."""
    require_chromium()
    data = tmp_path_factory.mktemp('machine-reports') / 'server-data'
    with running_server(data, free_port()) as base:
        engine = build_engine(database_url(data))
        with Session(engine, expire_on_commit=False) as session:
            seeded_category(session, 'Plate loading / autoloader', 'Plate jam')
            machines = {code: make_machine(session, name) for code, (name, _) in MACHINES.items()}
            make_user(session, 'tech1', Role.CTP_USER, [m.id for m in machines.values()])  # type: ignore[misc]
            boss = make_user(session, 'boss', Role.ADMIN)
            secrets = {code: links.create_link(session, actor=actor(boss), machine_id=machines[code].id,  # type: ignore[arg-type]
                                               sender_id=MACHINES[code][1])[1] for code in LANGUAGES}
        engine.dispose()
        yield {code: Plant(base, machines[code].id, secrets[code], *MACHINES[code]) for code in LANGUAGES}  # type: ignore[arg-type]


def _post_recorded(plant: Plant, name: str, at: datetime) -> float:
    """Post a recorded message with its times set to `at` (and its sender the plant's), as the simulator posts a JMF
    device's signals; returns when the receiver answered (monotonic)."""
    body = re.sub(r'(?<![A-Za-z])(TimeStamp|Time)="[^"]*"', lambda m: f'{m.group(1)}="{at.isoformat()}"',
                  (RECORDED / name).read_text()).replace(RECORDED_SENDER, plant.sender)
    answer = httpx.post(f'{plant.base}/api/jmf/{plant.secret}', content=body.encode(),
                        headers={'Content-Type': JMF}, timeout=10)
    answered = time.monotonic()
    assert answer.status_code == 200 and 'ReturnCode="0"' in answer.text, answer.text
    return answered


def _card(page: Any, plant: Plant, colour: str) -> Any:
    return page.locator('.q-card', has_text=plant.name).and_(page.locator(f'.bg-{colour}'))


def _fact(page: Any, name: str) -> str:
    """A row of the problem's facts, as read: 'Ended 06 Dec 10:45' / 'Ende 06. Dez. 10:45'."""
    row = page.locator('.no-wrap', has=page.get_by_text(name, exact=True))
    return ' '.join(str(row.inner_text()).split())


def _statistics(plant: Plant, start: datetime, end: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """The machine's row of the machines' truth (its ledger) and its statistics, read as the admin over the API."""
    with httpx.Client(base_url=plant.base, headers={'X-CTP-Request': '1'}, timeout=10) as client:
        client.post('/api/auth/login', json={'username': 'admin', 'password': ADMIN_PASSWORD}).raise_for_status()
        truth = client.get('/api/stats/machine-truth', params={'start': start.isoformat(), 'end': end.isoformat()})
        stats = client.get(f'/api/ctp-machines/{plant.machine_id}/stats')
    truth.raise_for_status()
    stats.raise_for_status()
    row = next(r for r in truth.json()['machines'] if r['machine_id'] == plant.machine_id)
    return row, stats.json()


def test_the_machine_says_it_stopped_the_tablet_asks_why_and_running_ends_the_downtime(
        plants: dict[str, Plant], browser: Any, words: Words) -> None:
    plant = plants[words.code]
    watcher = signed_in_page(browser, plant.base, 'admin', ADMIN_PASSWORD, DESKTOP, WAIT_MS, words)
    tablet = signed_in_page(browser, plant.base, 'tech1', PASSWORD, TABLET, WAIT_MS, words)
    _card(watcher, plant, 'green-9').wait_for(timeout=60_000)  # the first page after a server start can be slow
    running_at = datetime.now(UTC).replace(microsecond=0)
    stopped_at = running_at - DOWN_FOR

    answered = _post_recorded(plant, 'jmf13_signal_status_down_paperjam.jmf', stopped_at)
    _card(watcher, plant, 'red-8').wait_for()
    red_after = time.monotonic() - answered
    # live, without a reload; how fast (target: under 1 s) is the JMF benchmark's figure (bench/jmf_ingest.py), not
    # a timed assertion that a loaded CI machine would make flaky
    logger.info('the other screen was red %.3f s after the receiver answered', red_after)
    assert words('DOWN') in _card(watcher, plant, 'red-8').inner_text()

    zone = ZoneInfo('Europe/Berlin')  # the plant's time zone (tests/browser/server.py)
    stopped_clock = f'{stopped_at.astimezone(zone):%H:%M}'
    question = words('{machine} stopped at {time}: why?', machine=plant.name, time=stopped_clock)
    tablet.get_by_text(question).wait_for()
    tablet.get_by_text(words('The machine reported: {details}', details='Stopped PaperJam')).wait_for()
    shot(tablet, 'story-stop-prompt', words)
    problem = tablet.get_by_role('link', name=words('Other reason…')).get_attribute('href')
    jam = words.category('Plate jam')
    tablet.get_by_role('button', name=jam).tap()  # pre-chosen from PaperJam: one tap
    tablet.get_by_text(words('Reason saved')).wait_for()
    tablet.get_by_text(question).wait_for(state='hidden')
    _card(watcher, plant, 'red-8').get_by_text(jam).wait_for()  # the reason reached the other screen too
    shot(watcher, 'story-stopped-overview', words)

    _post_recorded(plant, 'jmf13_signal_status_running.jmf', running_at)
    _card(watcher, plant, 'green-9').wait_for()
    tablet.goto(f'{plant.base}{problem}')
    local_end = running_at.astimezone(zone)
    # the solution the receiver writes is stored text (the plant's log), not the screen's language
    tablet.get_by_text(f'Running again at {local_end:%H:%M:%S} (reported by the machine).', exact=True).wait_for()
    ended = words.value(i18n.date_time_text, running_at)  # the signal's time, not when it arrived
    assert _fact(tablet, words('Ended')) == f'{words("Ended")} {ended}'
    assert _fact(tablet, words('Downtime')) == f'{words("Downtime")} {words.value(i18n.duration_text, 3)}'

    row, stats = _statistics(plant, stopped_at - timedelta(hours=1), running_at + timedelta(minutes=1))
    minutes = DOWN_FOR.total_seconds() / 60
    assert row['ledger_seconds']['down'] == DOWN_FOR.total_seconds()
    assert row['machine_minutes'] == minutes and row['unexplained_minutes'] == 0
    assert stats['unplanned_downtime_minutes'] == pytest.approx(minutes)
