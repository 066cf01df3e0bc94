"""Periodic jobs (auto-read notifications, the escalation rules, maintenance due dates, JMF signal retention), run on
the server's event loop."""
import asyncio
import contextlib
import logging
from datetime import datetime

from app import alert_worker, bus, events
from app.db import get_engine, session_scope
from app.services import escalation, notifications, photo_sweep
from app.services.jmf import ingest as jmf_ingest
from app.services.jmf import subscriber as jmf_subscriber
from app.services.maintenance import alerts as maintenance_alerts

logger = logging.getLogger(__name__)
INTERVAL_SECONDS = 60.0
_task: asyncio.Task[None] | None = None
_readings_compacted_until: datetime | None = None  # meter readings of days before it: one per meter and day


async def start() -> None:
    """Bind the event loop for thread-safe events, sweep orphan photo files, start the periodic loop."""
    global _task, _readings_compacted_until
    _readings_compacted_until = None
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
    global _readings_compacted_until
    with session_scope() as session:
        notifications.auto_read_job(session)
        escalation.escalate(session)  # the plant's escalation rules (Admin → Alerts): in-app and outbound alerts
        jmf_ingest.purge_signals(session)  # raw JMF signals past CTP_JMF_SIGNAL_RETENTION_DAYS
        # meter readings past it, one per meter and day: every such day on the process's first pass, then each day
        # once, when it crosses the retention
        _readings_compacted_until = jmf_ingest.compact_old_readings(session, since=_readings_compacted_until)
        maintenance_alerts.run(session)  # maintenance due / overdue / missed
