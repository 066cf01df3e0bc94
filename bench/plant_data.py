"""A plant-group database for the benchmarks: 60 machines, N problem logs over ten years, their downtime segments.

The rows follow bench/api_list.py's loader (same words, same spread, same statuses) and add what the statistics
read: one downtime segment per stopping problem (down at the start, up at the end; still down while open), a
share of planned stops, acknowledgement times, two shifts on six days. Only the newest problems are open.
The daily KPI roll-up is then filled from them (`backfill`), as the migration does for an existing database.
"""
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

MACHINES = 60
OPEN_AT_END = 40  # the newest problems stay open (a busy plant group, not 2 % of ten years)
WORDS = ('plate jam laser power fading punch error vacuum drum clamp chiller optics filter dust processor chemistry '
         'brush roller dryer gum controller firmware network rip imposition calibration banding streaks '
         'focus slip sheet cassette pallet misfeed scratch coating temperature humidity compressed air').split()
RARE = ('diode', 'encoder', 'solenoid', 'bearing')
SOLUTIONS = ('cleaned the optics', 'replaced the filter', 'reset the controller', 'vendor replaced the head',
             'adjusted the vacuum', 'refilled chemistry')
PROBLEM = ('INSERT INTO ctp_problem_logs (id, machine_id, problem_date, problem_description, solution, '
           'technician_type, start_time, end_time, status, created_at, updated_at, category_id, is_stopping, '
           'is_planned, plates_lost, downtime_minutes, acknowledged_at, resolved_by, version) '
           'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)')
SEGMENT = 'INSERT INTO downtime_segments (log_id, machine_id, down_at, up_at, is_planned) VALUES (?, ?, ?, ?, ?)'


def load(path: str, count: int, *, log: bool = True) -> None:
    """Bulk insert into a migrated, bootstrapped SQLite file (taxonomy present), one transaction, then ANALYZE."""
    from app.db import sqlite_module
    started = time.perf_counter()
    conn = sqlite_module().connect(path, isolation_level=None)
    conn.execute('PRAGMA synchronous=OFF')
    conn.execute('BEGIN')
    now = datetime.now(UTC).replace(tzinfo=None)
    conn.executemany('INSERT INTO ctp_machines (name, status, created_at, updated_at) VALUES (?, ?, ?, ?)',
                     [(f'CTP {n:02d}', 'operational', str(now), str(now)) for n in range(1, MACHINES + 1)])
    machine_ids = [row[0] for row in conn.execute('SELECT id FROM ctp_machines ORDER BY id')]
    categories = [row[0] for row in conn.execute('SELECT id FROM categories WHERE parent_id IS NOT NULL')]
    conn.executemany('INSERT INTO operating_windows (weekday, start_minute, end_minute) VALUES (?, 360, 1320)',
                     [(d,) for d in range(6)])
    segments: list[tuple[object, ...]] = []
    for problem, segment in _rows(count, now, machine_ids, categories):
        conn.execute(PROBLEM, problem)
        if segment is not None:
            segments.append(segment)
    conn.executemany(SEGMENT, segments)
    conn.execute("UPDATE ctp_machines SET status = 'down' WHERE id IN "
                 "(SELECT machine_id FROM downtime_segments WHERE up_at IS NULL)")
    conn.execute('COMMIT')
    conn.close()
    loaded = time.perf_counter()
    days = backfill(path)
    conn = sqlite_module().connect(path, isolation_level=None)
    conn.execute('ANALYZE')
    conn.close()
    if log:
        print(f'loaded {count:,} problem logs and {len(segments):,} downtime segments in '
              f'{loaded - started:.0f} s; rolled up {days:,} machine-days in {time.perf_counter() - loaded:.0f} s',
              flush=True)


def backfill(path: str) -> int:
    """Fill the daily KPI roll-up for the rows loaded behind the services' back (app/services/rollup.py)."""
    from sqlmodel import Session

    from app.db import build_engine
    from app.services import rollup
    engine = build_engine(f'sqlite:///{path}')
    try:
        with Session(engine) as session:
            days = rollup.rebuild(session)
            session.commit()
    finally:
        engine.dispose()
    return days


def _rows(count: int, now: datetime, machines: list[int],
          categories: list[int]) -> Iterator[tuple[tuple[object, ...], tuple[object, ...] | None]]:
    rng = random.Random(7)
    span = timedelta(days=3650) / count
    for n in range(count):
        start = now - timedelta(days=3650) + span * n
        is_open = n >= count - OPEN_AT_END
        status = 'open' if is_open else rng.choices(('completed', 'cancelled'), (92, 8))[0]
        minutes = rng.randint(5, 240)
        end = None if is_open else start + timedelta(minutes=minutes)
        planned = rng.random() < 0.1
        stopping = rng.random() < 0.8
        text = ' '.join(rng.choices(WORDS, k=6) + ([rng.choice(RARE)] if rng.random() < 0.02 else []))
        machine = rng.choice(machines)
        ack = start + timedelta(minutes=rng.randint(1, 30))
        problem = (n + 1, machine, start.date().isoformat(), text.capitalize(),
                   rng.choice(SOLUTIONS) if status == 'completed' else None, rng.choice(('internal', 'vendor')),
                   str(start), str(end) if end else None, status, str(start), str(end or start),
                   rng.choice(categories), int(stopping), int(planned), rng.choice((0, 0, 0, 2, 5)),
                   minutes if end and stopping else 0, str(ack) if end else None,
                   'internal_technician' if status == 'completed' else None)
        segment = (n + 1, machine, str(start), str(end) if end else None, int(planned)) \
            if stopping and status != 'cancelled' else None
        yield problem, segment
