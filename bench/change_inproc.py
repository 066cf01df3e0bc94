"""The services of a change in process: CPU and SQL statements per change, and where the time goes.

`python -m bench.change_inproc --machine 4 --cycles 30 --time app.services.rollup.refresh` seeds the demo plant in
a temporary folder and, without a server, makes the change of bench/change_cpu.py: a stopping problem reported on
the machine and completed, each in its own session with its read-back (`problem_queries.get_problem`), as the REST
routes do. After five warm-up cycles it prints the process's CPU per change (a cycle is two changes), the SQL
statements per change, and for each `--time module.function` its CPU per change and calls per change (nested
timings overlap). `--statements` lists the statements by their first line, the most frequent first.

What the server adds (HTTP, the session cookie, the worker-thread hop, JSON) is in bench/change_cpu.py's figure.
The cost grows with the problems the machine already has that day (a change rewrites its days): compare runs of the
same length.
"""
import argparse
import collections
import functools
import importlib
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TIMES: collections.Counter[str] = collections.Counter()
CALLS: collections.Counter[str] = collections.Counter()
STATEMENTS: collections.Counter[str] = collections.Counter()


def timed(dotted: str) -> None:
    """Replace module.function (and every app module's reference to it) by a wrapper that adds up its CPU time."""
    module_name, name = dotted.rsplit('.', 1)
    module = importlib.import_module(module_name)
    original: Callable[..., Any] = getattr(module, name)
    label = f'{module_name.rsplit(".", 1)[-1]}.{name}'

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            TIMES[label] += time.process_time() - began
            CALLS[label] += 1
    for loaded in list(sys.modules.values()):
        if getattr(loaded, '__name__', '').startswith(('app.', module_name)) and getattr(loaded, name, None) is original:
            setattr(loaded, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--machine', type=int, default=4, help='the demo machine the changes are made on')
    parser.add_argument('--cycles', type=int, default=30, help='report + complete cycles measured')
    parser.add_argument('--time', action='append', default=[], metavar='MODULE.FUNCTION')
    parser.add_argument('--statements', action='store_true', help='list the statements per change')
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix='ctp-inproc-')
    os.environ.update(CTP_DATA_DIR=folder, CTP_DEMO='1', CTP_ADMIN_PASSWORD='inproc-admin-pass', CTP_ENV='development',
                      CTP_STORAGE_SECRET='b' * 48)
    logging.disable(logging.WARNING)
    try:
        run(args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(args: argparse.Namespace) -> None:
    from sqlalchemy import event, select

    from app.bootstrap import prepare
    from app.config import get_settings
    from app.db import get_engine, session_scope
    from app.models import ProblemStatus, User
    from app.models.schemas import ProblemLogCreate, ProblemLogUpdate
    from app.services import access, problem_logs, problem_queries

    prepare(get_settings())
    for dotted in args.time:
        timed(dotted)

    @event.listens_for(get_engine(), 'before_cursor_execute')
    def count(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        STATEMENTS[statement.split('\n')[0][:110]] += 1

    with session_scope() as session:
        admin = session.execute(select(User).where(User.username == 'admin')).scalars().one()
        actor = access.actor_for_user(session, admin.id)
    assert actor is not None

    def cycle() -> None:
        with session_scope() as session:
            reported = problem_logs.report_problem(session, actor=actor, problem_in=ProblemLogCreate(
                machine_id=args.machine, problem_description='inproc', is_stopping=True))
            log_id = reported.log.id
            problem_queries.get_problem(session, actor=actor, log_id=log_id)
        with session_scope() as session:
            problem_logs.update_problem(session, actor=actor, log_id=log_id, changes=ProblemLogUpdate(
                status=ProblemStatus.COMPLETED, solution='inproc', resolved_by='operator'))
            problem_queries.get_problem(session, actor=actor, log_id=log_id)

    for _ in range(5):
        cycle()
    TIMES.clear(), CALLS.clear(), STATEMENTS.clear()
    began = time.process_time()
    for _ in range(args.cycles):
        cycle()
    changes = 2 * args.cycles
    print(f'CPU per change {(time.process_time() - began) / changes * 1000:.2f} ms, '
          f'{sum(STATEMENTS.values()) / changes:.1f} SQL statements per change')
    for label, seconds in TIMES.most_common():
        print(f'  {seconds / changes * 1000:7.2f} ms  {CALLS[label] / changes:5.1f} calls/change  {label}')
    if args.statements:
        for statement, n in STATEMENTS.most_common():
            print(f'  {n / changes:5.1f}  {statement}')


if __name__ == '__main__':
    main()
