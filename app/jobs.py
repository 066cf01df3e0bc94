"""Periodic jobs (auto-read notifications, escalate unacknowledged stops, sweep photo files), run on the server's
event loop."""
import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from app import bus, events
from app.config import get_settings
from app.db import get_engine, session_scope
from app.i18n import N_
from app.models import CTPMachine, CTPProblemLog, NotificationType, ProblemStatus, utcnow
from app.services import notifications, photos
from app.services.jmf import ingest as jmf_ingest

logger = logging.getLogger(__name__)
INTERVAL_SECONDS = 60.0
_task: asyncio.Task[None] | None = None


async def start() -> None:
    """Bind the event loop for thread-safe events, sweep orphan photo files, start the periodic loop."""
    global _task
    events.bind_loop(asyncio.get_running_loop())
    await asyncio.to_thread(photos.sweep_now)  # files of uploads a crash left without a row (SECURITY.md U7)
    _task = asyncio.create_task(_loop(), name='ctp-periodic-jobs')
    await bus.start(get_engine().url.render_as_string(hide_password=False))  # PostgreSQL only: cross-process events


async def stop() -> None:
    global _task
    await bus.stop()
    if _task is not None:
        _task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await _task
    _task = None


async def _loop() -> None:
    while True:
        await asyncio.sleep(INTERVAL_SECONDS)
        for job in (run_once, photos.reclaim_now):   # files of uploads whose process crashed (another worker)
            try:
                await asyncio.to_thread(job)
            except Exception:  # a failing job must not stop the schedule; the trace goes to the log
                logger.exception('periodic job %s failed', job.__name__)


def run_once() -> None:
    with session_scope() as session:
        notifications.auto_read_job(session)
        escalate_unacknowledged(session)
        jmf_ingest.purge_signals(session)  # raw JMF signals past CTP_JMF_SIGNAL_RETENTION_DAYS


def escalate_unacknowledged(session: Session) -> int:
    """Tell admins, once per problem, about a stopping unplanned problem still unacknowledged after N minutes."""
    cutoff = utcnow() - timedelta(minutes=get_settings().not_acknowledged_minutes)
    stale = list(session.exec(select(CTPProblemLog).where(
        CTPProblemLog.status == ProblemStatus.OPEN, CTPProblemLog.is_stopping, CTPProblemLog.is_planned.is_(False),
        CTPProblemLog.deleted_at.is_(None), CTPProblemLog.escalated_at.is_(None),
        CTPProblemLog.created_at <= cutoff)).scalars())
    notified: set[int] = set()
    for log in stale:
        machine = session.get(CTPMachine, log.machine_id)
        minutes = int((utcnow() - log.created_at).total_seconds() // 60)
        message = notifications.stored(N_('{machine}: stop not acknowledged for {minutes} min'),
                                       machine=machine.name if machine else '?', minutes=minutes)
        notified |= notifications.notify(session, user_ids=notifications.admins(session), machine_id=log.machine_id,
                                         log_id=log.id, kind=NotificationType.NOT_ACKNOWLEDGED, message=message)
        log.escalated_at = utcnow()
        session.add(log)
    session.commit()
    notifications.publish_for(notified)
    return len(stale)
