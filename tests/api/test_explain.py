"""The indexes serve the real queries: EXPLAIN QUERY PLAN of the list, filter, search and stats queries (SQLite)."""
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from app.services import problem_queries, stats
from app.services.problem_queries import ProblemFilter
from tests import dbutil
from tests.factories import actor, complete, make_machine, make_user, report

pytestmark = pytest.mark.skipif(dbutil.using_postgres(), reason='EXPLAIN QUERY PLAN is SQLite; PG has the GIN index')
BIG_TABLES = ('ctp_problem_logs', 'downtime_segments', 'problem_audit', 'ctp_notifications')
FULL_SCAN = re.compile(r'^SCAN (' + '|'.join(BIG_TABLES) + r')\b(?! USING (COVERING )?INDEX)')


def plans(session: Session, work: Callable[[], object]) -> list[tuple[str, list[str]]]:
    """Run `work`, then EXPLAIN each SELECT it issued: [(sql, [plan lines])]."""
    with dbutil.statements_sent() as statements:
        work()
    out = []
    for sql, params in statements:
        if not sql.lstrip().upper().startswith(('SELECT', 'WITH')):
            continue
        rows = session.connection().exec_driver_sql('EXPLAIN QUERY PLAN ' + sql, params).all()
        out.append((sql, [row[3] for row in rows]))
    return out


@pytest.fixture
def history(session: Session) -> dict[str, Any]:
    press = make_machine(session, 'Kodak Magnus Q800')
    admin = make_user(session, 'boss', 'admin')  # type: ignore[arg-type]
    start = datetime(2026, 11, 2, 8, tzinfo=UTC)
    for n in range(5):
        log_id = report(session, admin, press, start=start + timedelta(hours=n), description=f'Laser fading {n}')
        complete(session, admin, log_id, end=start + timedelta(hours=n, minutes=30))
    return {'actor': actor(admin), 'machine_id': press.id}


def _list(session: Session, history: dict[str, Any], **filters: Any) -> Callable[[], object]:
    return lambda: problem_queries.list_problems(session, actor=history['actor'], filters=ProblemFilter(**filters))


def _count_and_page(found: list[tuple[str, list[str]]]) -> tuple[list[str], list[str]]:
    count = next(lines for sql, lines in found if sql.lstrip().startswith('SELECT count(*)'))
    return count, _keys(found)


def _keys(found: list[tuple[str, list[str]]]) -> list[str]:
    """The page's first pass: the sorted, cut keys (the names are read afterwards for the page's rows only)."""
    return next(lines for sql, lines in found if '_key' in sql)


def _names_by_primary_key(found: list[tuple[str, list[str]]]) -> None:
    names = next(lines for sql, lines in found if 'machine_name' in sql)
    assert any('ctp_problem_logs USING INTEGER PRIMARY KEY (rowid=?)' in line for line in names), names


def _no_full_scans(found: list[tuple[str, list[str]]]) -> None:
    for sql, lines in found:
        assert not [line for line in lines if FULL_SCAN.match(line)], f'{sql}\n{lines}'


def test_machine_and_status_page_uses_indexes_and_needs_no_sort(session: Session, history: dict[str, Any]) -> None:
    found = plans(session, _list(session, history, machine_id=history['machine_id'], status=('completed',)))
    _no_full_scans(found)
    count, page = _count_and_page(found)
    assert any('COVERING INDEX ix_ctp_problem_logs_live_machine_status_start' in line for line in count)
    assert any(re.search(r'INDEX ix_ctp_problem_logs_(live_)?machine_\w+ \(machine_id=\?', line) for line in page)
    assert not any('TEMP B-TREE FOR ORDER BY' in line for line in page)
    _names_by_primary_key(found)


def test_deep_cursor_page_seeks_in_the_index(session: Session, history: dict[str, Any]) -> None:
    first = problem_queries.list_problems(session, actor=history['actor'], filters=ProblemFilter(
        machine_id=history['machine_id'], limit=2))
    found = plans(session, _list(session, history, machine_id=history['machine_id'], limit=2,
                                 cursor=first.next_cursor))
    _no_full_scans(found)
    assert any(re.search(r'ix_ctp_problem_logs_machine_start \(machine_id=\? AND start_time<\?\)', line)
               for line in _count_and_page(found)[1])


def test_text_search_uses_the_full_text_index(session: Session, history: dict[str, Any]) -> None:
    found = plans(session, _list(session, history, q='laser fad'))
    _no_full_scans(found)
    keys = _keys(found)
    assert not any(sql.lstrip().startswith('SELECT count(*)') for sql, _ in found)  # counted in the keys' pass
    assert any('ctp_problem_logs_fts VIRTUAL TABLE' in line for line in keys)
    assert any('USING INTEGER PRIMARY KEY' in line for line in keys)
    # the matches are sorted as narrow rows: no join to machines, users or categories before the cut
    keys_sql = next(sql for sql, _ in found if '_key' in sql)
    assert not re.search(r'\b(ctp_machines|users|categories)\b', keys_sql), keys_sql
    _names_by_primary_key(found)


@pytest.mark.parametrize('filters', [{'status': ('open', 'in_progress')},
                                     {'date_from': date(2026, 11, 1), 'date_to': date(2026, 11, 3),
                                      'machine_id': 1}])
def test_filters_use_indexes(session: Session, history: dict[str, Any], filters: dict[str, Any]) -> None:
    _no_full_scans(plans(session, _list(session, history, **filters)))


def test_stats_queries_use_indexes(session: Session, history: dict[str, Any]) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    found = plans(session, lambda: stats.machine_stats(session, actor=history['actor'], start=start,
                                                       end=start + timedelta(days=7),
                                                       machine_ids=[history['machine_id']]))
    assert len(found) >= 3
    _no_full_scans(found)
