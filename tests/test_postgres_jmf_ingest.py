"""Two app processes ingest one machine's JMF signals on one PostgreSQL database at the same time (a balancer
spreads a device's posts): each batch locks its machines first and then reads their state, so the machine never
has two stops open at once (issue 21, group commit)."""
import os
import subprocess
import sys

import pytest
from sqlalchemy import select
from sqlmodel import Session

from app.models import MachineStop, Role
from app.services.jmf import links
from tests.dbutil import require_postgres
from tests.factories import actor, make_machine, make_user

pytestmark = pytest.mark.postgres_only

ROUNDS = 12
INGEST = '''
import sys
from datetime import timedelta
from app.db import init_engine
from app.models import utcnow
from app.services.jmf import writer
from app.services.jmf.messages import DeviceReport, Message

url, link_id, machine_id, parity = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
init_engine(url)
start = utcnow() - timedelta(hours=1)
for index in range(int(sys.argv[5])):
    status = 'Down' if index % 2 == 0 else 'Running'
    when = start + timedelta(seconds=10 * index + parity)  # both processes: the same machine, interleaved times
    report = DeviceReport('', status, ('BreakDown',) if status == 'Down' else (), '', when, None, None, None, '')
    message = Message('jmf', 'MAGNUS', ('M',), (report,), 0)
    job = writer.Job(when, link_id=link_id, machine_id=machine_id, message=message)
    writer.store_batch([job])
    job.outcome.result()
'''


def test_two_processes_never_open_two_stops_on_one_machine(session: Session, ctp_env: str) -> None:
    require_postgres()
    machine = make_machine(session, 'Magnus')
    admin = make_user(session, 'boss', Role.ADMIN)
    info, _ = links.create_link(session, actor=actor(admin), machine_id=machine.id, sender_id='MAGNUS')  # type: ignore[arg-type]
    args = [ctp_env, str(info.id), str(machine.id)]
    processes = [subprocess.Popen([sys.executable, '-c', INGEST, *args, str(parity), str(ROUNDS)],
                                  env=dict(os.environ), cwd=os.getcwd()) for parity in (0, 1)]
    assert all(process.wait(120) == 0 for process in processes)
    session.expire_all()
    stops = session.exec(select(MachineStop).order_by(MachineStop.started_at)).scalars().all()
    assert sum(stop.ended_at is None for stop in stops) <= 1
    for before, after in zip(stops, stops[1:], strict=False):
        assert before.ended_at is not None and before.ended_at <= after.started_at  # never two at once
