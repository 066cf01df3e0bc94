"""Run the suite at a pinned moment: a test that passes only on some days of the year fails on every day.

`pytest --clock=month-start` (or any ISO date-time with an offset, or `CTP_TEST_CLOCK=...`) starts every test at that
moment, with the clock ticking from there (time-machine moves `datetime.now`, `date.today` and `time.time`; the event
loop's monotonic clock and the file system's clock are left alone). `pytest -m dates --clock=all` runs every test
marked `dates` once at each of the awkward MOMENTS below (one test id per moment; a screen's test at one of them, see
ONCE_UNDER_ALL); CI does, so a test that only passes on some days cannot land. `--clock=spread` runs each test marked
`dates` once, at one of the MOMENTS chosen by its id (stable from run to run), and the others unpinned: the PostgreSQL
run does, so its dates tests never meet today's date and between them still meet every moment.
Mark a module or test `dates` when its outcome depends on the date or the time of day.
"""
import os
import zlib
from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine

# Plant-local moments (Europe/Berlin, the suite's plant zone) where date arithmetic goes wrong first.
MOMENTS: dict[str, str] = {
    'month-start': '2026-12-01T00:30:00+01:00',    # the 1st, just after midnight: "last month" is yesterday
    'february-end': '2027-02-28T12:00:00+01:00',   # the last day of a short month
    'sunday-night': '2026-11-29T23:30:00+01:00',   # the week's last half hour (ISO weeks start on Monday)
    'dst-spring': '2027-03-28T03:30:00+02:00',     # the day with 23 hours, just after the jump
    'dst-autumn': '2026-10-25T02:30:00+01:00',     # the day with 25 hours, in the repeated hour's second pass
    'year-end': '2026-12-31T23:30:00+01:00',       # the year's last half hour
}


ALL = 'all'
SPREAD = 'spread'


def pinned_moment(value: str) -> datetime:
    """A named moment or an ISO date-time with an offset."""
    try:
        moment = datetime.fromisoformat(MOMENTS.get(value, value))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise pytest.UsageError(f'--clock needs a time zone offset or one of {", ".join(MOMENTS)}: {value!r}')
    return moment


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption('--clock', default=os.environ.get('CTP_TEST_CLOCK') or None,
                     help=f'start every test at this moment (ISO with offset, or one of: {", ".join(MOMENTS)})')


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line('markers', 'dates: the outcome depends on the date; run at every pinned moment in CI')
    value = config.getoption('--clock')
    if value and value not in (ALL, SPREAD):
        pinned_moment(value)  # refuse a bad value before any test runs


# Screens show what the services compute: under --clock=all a screen test marked `dates` runs once, at its
# --clock=spread moment (so the screens between them still meet every moment); the services and the REST API, where
# the date arithmetic lives, run at every moment.
ONCE_UNDER_ALL = ('tests/pages/',)


def every_moment(item: pytest.Item) -> bool:
    """Whether --clock=all runs this test at each of the MOMENTS."""
    return bool(item.get_closest_marker('dates')) and not item.nodeid.startswith(ONCE_UNDER_ALL)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """--clock=all: each test marked `dates` runs once per moment (a screen's once, see ONCE_UNDER_ALL); unmarked
    tests run once, unpinned."""
    if metafunc.config.getoption('--clock') == ALL and every_moment(metafunc.definition):
        metafunc.fixturenames.append('clock_moment')
        metafunc.parametrize('clock_moment', list(MOMENTS), indirect=True)


@pytest.fixture
def clock_moment(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def pytest_report_header(config: pytest.Config) -> str | None:
    value = config.getoption('--clock')
    if value == ALL:
        return f'clock: tests marked dates run at each of {", ".join(MOMENTS)}'
    if value == SPREAD:
        return f'clock: each test marked dates runs at one of {", ".join(MOMENTS)}, chosen by its id'
    return f'clock pinned at {pinned_moment(value).isoformat()} ({value})' if value else None


@pytest.fixture(autouse=True)
def pinned_clock(request: pytest.FixtureRequest) -> Iterator[datetime | None]:
    """With --clock, the test starts at that moment and the clock ticks on from there."""
    value = request.config.getoption('--clock')
    if value == ALL and every_moment(request.node):
        value = request.node.callspec.params['clock_moment']
    elif value in (ALL, SPREAD):
        value = spread_moment(request.node.nodeid) if request.node.get_closest_marker('dates') else None
    if not value:
        yield None
        return
    moment = pinned_moment(value)
    with time_machine.travel(moment, tick=True):
        yield moment


def spread_moment(nodeid: str) -> str:
    """The moment a `dates` test runs at under --clock=spread: the same for the same test id in every run."""
    return list(MOMENTS)[zlib.crc32(nodeid.encode()) % len(MOMENTS)]
