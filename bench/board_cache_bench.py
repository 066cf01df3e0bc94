"""What the board cache saves: N screens after one change, with and without the cache, on the demo plant.

Run: python bench/board_cache_bench.py [screens]   (prints figures for docs/BENCHMARKS.md)
"""
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import bootstrap, events  # noqa: E402
from app.config import get_settings  # noqa: E402
from app.db import read_session  # noqa: E402
from app.models import Role  # noqa: E402
from app.services import board_cache, machines  # noqa: E402
from app.services.access import Actor  # noqa: E402

ADMIN = Actor(user_id=1, role=Role.ADMIN, name='bench')
logger = logging.getLogger('bench')


def _timed(label: str, runs: int, work: object) -> float:
    start = time.perf_counter()
    for _ in range(runs):
        work()  # type: ignore[operator]
    per = (time.perf_counter() - start) / runs * 1000
    logger.info('%-48s %9.3f ms', label, per)
    return per


def main(screens: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix='ctp-bench-'))
    os.environ.update(CTP_DATA_DIR=str(folder), CTP_DEMO='1', CTP_ADMIN_PASSWORD='bench-admin-pass', CTP_ENV='test')
    get_settings.cache_clear()
    bootstrap.prepare(get_settings())
    board_cache.board_rows(None)  # wire the cache

    def without_cache() -> None:
        for _ in range(screens):
            with read_session() as session:
                machines.list_machines(session, actor=ADMIN)

    def with_cache() -> None:
        events.machine_changed.emit(1)  # one change...
        for _ in range(screens):        # ...then every screen refreshes
            board_cache.board_rows(None)

    before = board_cache.read_count()
    plain = _timed(f'{screens} screens refresh, each reads (no cache)', 5, without_cache)
    cached = _timed(f'{screens} screens refresh through the cache', 5, with_cache)
    logger.info('database reads per change with the cache: %s (without: %s)',
                (board_cache.read_count() - before) / 5, screens)
    logger.info('speed-up %.0fx', plain / cached if cached else float('inf'))
    _timed('one cached board read (hit)', 1000, lambda: board_cache.board_rows(None))


if __name__ == '__main__':
    logging.basicConfig(level=logging.WARNING, format='%(message)s')
    logger.setLevel(logging.INFO)
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
