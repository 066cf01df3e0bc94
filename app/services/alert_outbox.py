"""The alert outbox (issue 23): claim due alerts with a lease, mark them sent, back off and dead-letter failures.

A claim is a conditional UPDATE (status and lease checked again), after a `SELECT ... FOR UPDATE SKIP LOCKED` on
PostgreSQL, so several app processes never hold the same alert; SQLite's writes are serialised (BEGIN IMMEDIATE).
An alert whose lease runs out (its process was killed mid-send) is claimed again; `attempts` counts claims, so one
that keeps killing its sender still ends in the dead letters.
"""
import json
import logging
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, event, or_, select, update
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col

from app.config import get_settings
from app.db import pk, select_rows
from app.models import AlertChannel, AlertOutbox, utcnow

logger = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=6)
_wakers: list[Callable[[], None]] = []


@dataclass(frozen=True)
class Delivery:
    """One claimed alert, detached from the database: what the sender needs."""

    id: int
    lease: str
    key: str
    kind: str
    destination: str
    payload: dict[str, object]
    url: str = ''
    secret: str = ''


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(and_(col(AlertOutbox.status) == 'pending', col(AlertOutbox.next_attempt_at) <= now),
               and_(col(AlertOutbox.status) == 'sending', col(AlertOutbox.locked_until) <= now))


def claim(session: Session, *, limit: int = 20) -> list[Delivery]:
    """Lease up to `limit` due alerts to this caller (committed), oldest due first."""
    now = utcnow()
    lease = uuid.uuid4().hex
    ids = list(select_rows(session, select(pk(AlertOutbox.id)).where(_due(now))
                           .order_by(col(AlertOutbox.next_attempt_at), pk(AlertOutbox.id)).limit(limit)
                           .with_for_update(skip_locked=True)).scalars())
    until = now + timedelta(seconds=get_settings().alert_lease_seconds)
    if ids:  # one conditional UPDATE: a row someone else claimed meanwhile is no longer due and stays theirs
        session.execute(update(AlertOutbox).where(pk(AlertOutbox.id).in_(ids), _due(now))
                        .values(status='sending', lease=lease, locked_until=until,
                                attempts=col(AlertOutbox.attempts) + 1)
                        .execution_options(synchronize_session=False))
    mine = (select(AlertOutbox).where(col(AlertOutbox.lease) == lease, col(AlertOutbox.status) == 'sending')
            .order_by(pk(AlertOutbox.id)))
    rows: Iterable[AlertOutbox] = select_rows(session, mine).scalars() if ids else []
    deliveries = [_delivery(session, row) for row in rows]
    session.commit()
    return deliveries


def _delivery(session: Session, row: AlertOutbox) -> Delivery:
    channel = session.get(AlertChannel, row.channel_id) if row.channel_id else None
    return Delivery(id=row.id, lease=row.lease or '', key=row.idempotency_key, kind=row.channel_kind,  # type: ignore[arg-type]
                    destination=row.destination, payload=json.loads(row.payload),
                    url=channel.target if channel and channel.enabled else '',
                    secret=channel.secret if channel else '')


def mark_sent(session: Session, delivery: Delivery) -> bool:
    """Sent: only while this caller still holds the lease."""
    return record(session, [Outcome(delivery)])[0] == 'sent'


@dataclass(frozen=True)
class Outcome:
    """How one delivery went: error None = sent."""

    delivery: Delivery
    error: str | None = None
    permanent: bool = False


def record(session: Session, outcomes: list[Outcome]) -> list[str]:
    """Record a batch's outcomes in one transaction (one commit, one fsync): 'sent', 'pending' (back-off),
    'dead', or 'lost-lease' when the claim ran out and someone else holds the alert now."""
    now = utcnow()
    sent = _sent(session, [o.delivery for o in outcomes if o.error is None], now)
    states = ['sent' if o.delivery.id in sent else 'lost-lease' if o.error is None else _failed(session, o, now)
              for o in outcomes]
    session.commit()
    return states


def _sent(session: Session, deliveries: list[Delivery], now: datetime) -> set[int]:
    """Mark sent those still held (one UPDATE per lease); returns their ids."""
    done: set[int] = set()
    for lease in {d.lease for d in deliveries}:
        ids = [d.id for d in deliveries if d.lease == lease]
        held = [pk(AlertOutbox.id).in_(ids), col(AlertOutbox.lease) == lease, col(AlertOutbox.status) == 'sending']
        done |= set(select_rows(session, select(pk(AlertOutbox.id)).where(*held)).scalars())
        session.execute(update(AlertOutbox).where(*held).values(
            status='sent', sent_at=now, locked_until=None, last_error=None).execution_options(
            synchronize_session=False))
    return done


def mark_failed(session: Session, delivery: Delivery, error: str, *, permanent: bool = False) -> str:
    """A failed attempt: back off (exponential, with jitter), or the dead letters after the last attempt."""
    return record(session, [Outcome(delivery, error, permanent)])[0]


def _failed(session: Session, outcome: Outcome, now: datetime) -> str:
    row = select_rows(session, select(AlertOutbox).where(*_held(outcome.delivery))).scalars().first()
    if row is None:
        return 'lost-lease'
    dead = outcome.permanent or row.attempts >= get_settings().alert_max_attempts
    row.status = 'dead' if dead else 'pending'
    row.last_error, row.locked_until = (outcome.error or '')[:500], None
    if not dead:
        row.next_attempt_at = now + backoff(row.attempts)
    session.add(row)
    logger.warning('alert %s attempt %s failed (%s): %s', row.id, row.attempts, row.status, row.last_error[:200])
    return row.status


def retry(session: Session, outbox_id: int) -> bool:
    """Put a dead (or waiting) alert back in line now, attempts from zero; False if there is none or it is sent."""
    result = session.execute(update(AlertOutbox).where(pk(AlertOutbox.id) == outbox_id,
                                                       col(AlertOutbox.status).in_(('dead', 'pending')))
                             .values(status='pending', attempts=0, next_attempt_at=utcnow(), locked_until=None)
                             .execution_options(synchronize_session=False))
    session.commit()
    if result.rowcount:  # type: ignore[attr-defined]
        _wake_senders()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _held(delivery: Delivery) -> list[ColumnElement[bool]]:
    return [pk(AlertOutbox.id) == delivery.id, col(AlertOutbox.lease) == delivery.lease,
            col(AlertOutbox.status) == 'sending']


def backoff(attempts: int) -> timedelta:
    """retry * 2^(attempts-1), at most 6 h, times a random factor in [0.5, 1) so retries spread out."""
    base = get_settings().alert_retry_seconds * 2 ** max(attempts - 1, 0)
    return min(timedelta(seconds=base), MAX_BACKOFF) * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret


def wake_after_commit(session: Session) -> None:
    """Ask the sender to look now, once this transaction has committed."""
    session.info['ctp_alerts_wake'] = True


@event.listens_for(OrmSession, 'after_commit')
def _after_commit(session: OrmSession) -> None:
    if session.info.pop('ctp_alerts_wake', False):
        _wake_senders()


def _wake_senders() -> None:
    """A sender that cannot be woken polls anyway: waking is never allowed to fail the change that was committed."""
    for waker in list(_wakers):
        try:
            waker()
        except RuntimeError as error:  # its event loop closed between the check and the call
            logger.warning('an alert sender could not be woken: %s', error)


@event.listens_for(OrmSession, 'after_rollback')
def _after_rollback(session: OrmSession) -> None:
    session.info.pop('ctp_alerts_wake', None)


def on_wake(waker: Callable[[], None]) -> Callable[[], None]:
    """Register a thread-safe callable run after each commit that added alerts; returns its remover."""
    _wakers.append(waker)
    return lambda: _wakers.remove(waker) if waker in _wakers else None
