"""Two app processes on one PostgreSQL database drain the alert outbox together: each alert is sent exactly once
(leases taken with SELECT ... FOR UPDATE SKIP LOCKED), and a sender killed mid-batch loses nothing (issue 23)."""
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from app.config import get_settings
from app.models import AlertChannel, AlertOutbox, AlertSubscription, Role
from tests.alert_servers import Receiver, webhook_receiver
from tests.dbutil import require_postgres
from tests.factories import make_machine, make_user, report

pytestmark = pytest.mark.postgres_only

ALERTS = 40
SENDER = '''
import asyncio, sys
from sqlalchemy import func, select
from app.db import init_engine, session_scope
from app import alert_worker
from app.models import AlertOutbox

def unsent() -> int:
    with session_scope() as session:
        where = AlertOutbox.status.in_(('pending', 'sending'))
        return session.exec(select(func.count()).select_from(AlertOutbox).where(where)).one()[0]

async def main() -> None:
    while await alert_worker.run_once() or unsent():
        await asyncio.sleep(0.05)

init_engine(sys.argv[1])
asyncio.run(main())
'''
DOOMED = '''
import sys, time
from app.db import init_engine, session_scope
from app.services import alert_outbox

init_engine(sys.argv[1])
with session_scope() as session:
    print(len(alert_outbox.claim(session, limit=10)), flush=True)  # leased, about to send...
time.sleep(120)
'''


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    with webhook_receiver() as hook:
        monkeypatch.setenv('CTP_ALERT_ALLOWED_HOSTS', '["127.0.0.1"]')
        monkeypatch.setenv('CTP_ALERT_LEASE_SECONDS', '5')
        monkeypatch.setenv('CTP_ALERT_RETRY_SECONDS', '0.2')
        get_settings.cache_clear()
        yield hook


def sender(url: str, script: str = SENDER) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, '-c', script, url], env=dict(os.environ), cwd=os.getcwd(),
                            stdout=subprocess.PIPE)


def test_two_processes_send_each_alert_once_even_when_one_is_killed(session: Session, ctp_env: str,
                                                                     receiver: Receiver) -> None:
    require_postgres()
    magnus = make_machine(session, 'Magnus')
    tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    admin = make_user(session, 'boss', Role.ADMIN)
    channel = AlertChannel(name='hook', kind='webhook', target=receiver.url(), secret='s')
    session.add(channel)
    session.flush()
    session.add(AlertSubscription(user_id=admin.id, channel_kind='webhook', channel_id=channel.id))  # type: ignore[arg-type]
    session.commit()
    for number in range(ALERTS):
        report(session, tech, magnus, description=f'stop {number}')
    doomed = sender(ctp_env, DOOMED)
    assert doomed.stdout is not None and doomed.stdout.readline().strip() == b'10'
    doomed.send_signal(signal.SIGKILL)  # killed mid-send: its 10 leased alerts come back when the lease runs out
    doomed.wait(5)
    first, second = sender(ctp_env), sender(ctp_env)
    assert first.wait(90) == 0 and second.wait(90) == 0
    keys = Counter(r.headers['idempotency-key'] for r in receiver.requests)
    assert len(keys) == ALERTS and set(keys.values()) == {1}
    sent = session.exec(select(func.count()).select_from(AlertOutbox).where(AlertOutbox.status == 'sent')).one()[0]
    assert sent == ALERTS
