"""`main.py` with the Python heap traced, for bench/soak.py (`CTP_SOAK_HEAP_OUT=<file>` switches it on).

Starts `tracemalloc` when the app has started and, every `CTP_SOAK_HEAP_SECONDS` (60), writes one JSON line to
$CTP_SOAK_HEAP_OUT: the traced heap in MB and the top growers (file:line, KiB and blocks) since the first snapshot,
which is taken one interval after the start (after the pages have been opened and warmed up).
"""
import json
import os
import runpy
import sys
import threading
import time
import tracemalloc
from pathlib import Path

TOP = 8


def _write_samples(out: Path, every: float) -> None:
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__),
              tracemalloc.Filter(False, '<frozen importlib._bootstrap*>')]
    baseline: tracemalloc.Snapshot | None = None
    while True:
        time.sleep(every)
        snapshot = tracemalloc.take_snapshot().filter_traces(ignore)
        if baseline is None:
            baseline = snapshot
        growers = [stat for stat in snapshot.compare_to(baseline, 'lineno') if stat.size_diff > 0][:TOP]
        line = {'at': time.time(), 'traced_mb': tracemalloc.get_traced_memory()[0] / 2**20,
                'top': [[str(s.traceback[0]), round(s.size_diff / 1024, 1), s.count_diff] for s in growers]}
        with out.open('a') as file:
            file.write(json.dumps(line) + '\n')


if __name__ in {'__main__', '__mp_main__'}:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    if os.environ.get('CTP_SOAK_HEAP_OUT'):
        from nicegui import app

        def trace() -> None:  # from the end of the start-up on: the demo plant's seeding is not traced (slow)
            tracemalloc.start(1)
            threading.Thread(target=_write_samples, daemon=True, name='soak-heap',
                             args=(Path(os.environ['CTP_SOAK_HEAP_OUT']),
                                   float(os.environ.get('CTP_SOAK_HEAP_SECONDS', '60')))).start()

        app.on_startup(trace)
    runpy.run_path(str(Path(__file__).resolve().parents[1] / 'main.py'), run_name='__main__')
