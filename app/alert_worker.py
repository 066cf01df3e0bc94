"""The alert sender (issue 23): an asyncio task that leases due alerts from the outbox and delivers them.

Database work runs in threads (never on the event loop); deliveries of one batch run concurrently. The task wakes
when a transaction that added alerts commits in this process, and at least every CTP_ALERT_POLL_SECONDS (alerts
written by other processes, retries that came due, leases that ran out).
"""
import asyncio
import contextlib
import logging
from collections.abc import Callable

from app.config import get_settings
from app.db import session_scope
from app.services import alert_outbox, alert_send
from app.services.alert_outbox import Delivery, Outcome

logger = logging.getLogger(__name__)
BATCH = 20
_task: asyncio.Task[None] | None = None
_stop_waking: Callable[[], None] | None = None


async def start() -> None:
    global _task, _stop_waking
    if _stop_waking is not None:  # a sender whose loop ended without stop(): its waker goes
        _stop_waking()
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def waker() -> None:
        if not loop.is_closed():  # the loop may end without stop() (a killed server, a test's app)
            loop.call_soon_threadsafe(wake.set)

    _stop_waking = alert_outbox.on_wake(waker)
    _task = asyncio.create_task(_loop(wake), name='ctp-alert-sender')


async def stop() -> None:
    global _task, _stop_waking
    if _stop_waking is not None:
        _stop_waking()
    await alert_send.close_client()
    if _task is not None:
        _task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await _task
    _task = _stop_waking = None


async def _loop(wake: asyncio.Event) -> None:
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), get_settings().alert_poll_seconds)
        wake.clear()
        try:
            while await run_once() == BATCH:
                pass
        except Exception:  # the sender must outlive a database hiccup; the trace goes to the log
            logger.exception('alert sender failed')


async def run_once(limit: int = BATCH) -> int:
    """Claim one batch of due alerts, deliver them concurrently, record the outcomes in one transaction."""
    deliveries = await asyncio.to_thread(_claim, limit)
    if deliveries:
        outcomes = await asyncio.gather(*(deliver_one(delivery) for delivery in deliveries))
        await asyncio.to_thread(_record, list(outcomes))
    return len(deliveries)


def _claim(limit: int) -> list[Delivery]:
    with session_scope() as session:
        return alert_outbox.claim(session, limit=limit)


async def deliver_one(delivery: Delivery) -> Outcome:
    """Deliver one alert; a failure is an outcome (one attempt), never an exception."""
    try:
        await alert_send.deliver(delivery)
    except alert_send.DeliveryFailed as error:
        return Outcome(delivery, str(error), error.permanent)
    except Exception as error:  # an unexpected error is one failed attempt, never a lost alert
        logger.exception('alert %s: unexpected error', delivery.id)
        return Outcome(delivery, f'{type(error).__name__}: {error}')
    return Outcome(delivery)


def _record(outcomes: list[Outcome]) -> list[str]:
    with session_scope() as session:
        return alert_outbox.record(session, outcomes)
