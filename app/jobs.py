"""Periodic jobs (auto-read notifications, escalate unacknowledged stops, sweep photo files), run on the server's
event loop."""
import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from app import alert_worker, bus, events
from app.config import get_settings
from app.db import get_engine, select_rows, session_scope
from app.models import CTPMachine, CTPProblemLog, NotificationType, ProblemStatus, utcnow
from app.services import escalation, notifications, photo_sweep
from app.services.jmf import ingest as jmf_ingest
from app.services.jmf import subscriber as jmf_subscriber
from app.services.maintenance import alerts as maintenance_alerts

logger = logging.getLogger(__name__)
INTERVAL_SECONDS = 60.0
_task: asyncio.Task[None] | None = None


async def start() -> None:
    """Bind the event loop for thread-safe events, sweep orphan photo files, start the periodic loop."""
    global _task
    events.bind_loop(asyncio.get_running_loop())
    await asyncio.to_thread(photo_sweep.sweep_now)  # files of uploads a crash left without a row (SECURITY.md U7)
    _task = asyncio.create_task(_loop(), name='ctp-periodic-jobs')
    await bus.start(get_engine().url.render_as_string(hide_password=False))  # PostgreSQL only: cross-process events
    await alert_worker.start()  # outbound alerts from the outbox (issue 23)


async def stop() -> None:
    global _task
    await alert_worker.stop()
    await bus.stop()
    if _task is not None:
        _task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await _task
    _task = None


async def _loop() -> None:
    while True:
        await asyncio.sleep(INTERVAL_SECONDS)
        for job in (run_once, photo_sweep.reclaim_now,   # files of uploads whose process crashed (another worker)
                    jmf_subscriber.renew_job):  # JMF subscriptions to devices, renewed (issue 21)
            try:
                await asyncio.to_thread(job)
            except Exception:  # a failing job must not stop the schedule; the trace goes to the log
                logger.exception('periodic job %s failed', job.__name__)


def run_once() -> None:
    with session_scope() as session:
        notifications.auto_read_job(session)
        escalate_unacknowledged(session)
        escalation.escalate(session)  # the plant's escalation rules: in-app and outbound alerts (issue 23)
        jmf_ingest.purge_signals(session)  # raw JMF signals past CTP_JMF_SIGNAL_RETENTION_DAYS
        maintenance_alerts.run(session)  # maintenance due / overdue / missed


def escalate_unacknowledged(session: Session) -> int:
    """Tell admins, once per problem, about a stopping unplanned problem still unacknowledged after N minutes."""
    cutoff = utcnow() - timedelta(minutes=get_settings().not_acknowledged_minutes)
    stale = list(select_rows(session, select(CTPProblemLog).where(
        col(CTPProblemLog.status) == ProblemStatus.OPEN, col(CTPProblemLog.is_stopping),
        col(CTPProblemLog.is_planned).is_(False),
        col(CTPProblemLog.deleted_at).is_(None), col(CTPProblemLog.escalated_at).is_(None),
        col(CTPProblemLog.created_at) <= cutoff)).scalars())
    notified: set[int] = set()
    for log in stale:
        machine = session.get(CTPMachine, log.machine_id)
        minutes = int((utcnow() - log.created_at).total_seconds() // 60)
        message = f'{machine.name if machine else "?"}: stop not acknowledged for {minutes} min'
        notified |= notifications.notify(session, user_ids=notifications.admins(session), machine_id=log.machine_id,
                                         log_id=log.id, kind=NotificationType.NOT_ACKNOWLEDGED, message=message,
                                         outbound=False)  # outbound alerts follow the escalation rules
        log.escalated_at = utcnow()
        session.add(log)
    session.commit()
    notifications.publish_for(notified)
    return len(stale)
