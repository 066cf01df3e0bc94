"""app/sqlfuncs.py's `in_ids`: one statement whatever the number of ids, on SQLite and PostgreSQL alike."""
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from app.models import CTPProblemLog, Role, utcnow
from app.services import failures
from app.sqlfuncs import in_ids
from tests.dbutil import statements_sent
from tests.factories import complete, make_machine, make_user, report


def test_in_ids_selects_exactly_the_ids_in_one_statement_for_any_length(session: Session) -> None:
    machine = make_machine(session, 'Kodak Magnus Q800')
    tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    ids = [report(session, tech, machine, description=f'fault {n}') for n in range(12)]
    with statements_sent() as sent:
        for wanted in (ids[:1], ids[2:5], ids[::2], ids, [*ids[:3], *ids[:3]], [10**6]):
            query = select(col(CTPProblemLog.id)).where(in_ids(session, col(CTPProblemLog.id), wanted))
            assert sorted(session.execute(query).scalars()) == sorted(set(wanted) & set(ids))
    selects = [statement for statement, _ in sent if statement.startswith('SELECT')]  # not the transaction's BEGIN
    assert len(selects) == 6 and len(set(selects)) == 1, selects


def test_a_machines_failures_are_read_with_the_same_statements_however_many_stops_it_had(session: Session) -> None:
    """The chained read of a window's stops (failures.fetch) was a new statement for every number of problems, and
    the server's memory grew with each one the connections compiled and cached."""
    machine = make_machine(session, 'Agfa Avalon N8-90')
    tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    now = utcnow()
    read: dict[int, set[str]] = {}
    for stops in range(1, 6):
        start = now - timedelta(hours=stops)
        log_id = report(session, tech, machine, start=start, is_stopping=True)
        complete(session, tech, log_id, end=start + timedelta(minutes=20))
        with statements_sent() as sent:
            found = failures.fetch(session, [machine.id], now - timedelta(days=1), now, now)  # type: ignore[list-item]
        assert len(found[machine.id]) == stops  # type: ignore[index]
        read[stops] = {statement for statement, _ in sent}
    assert read[2] == read[3] == read[4] == read[5], read
