"""Store the status reports of one received message: raw signals, meter readings, stops; and purge old signals."""
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlmodel import Session, col

from app import events
from app.config import get_settings
from app.db import select_rows
from app.errors import NotAuthenticated, PermissionDenied
from app.models import DeviceLink, JmfSignal, utcnow
from app.services.jmf import counters, stops
from app.services.jmf.batch import Batch, lock_machines
from app.services.jmf.ledger import State, classify, effective_time
from app.services.jmf.messages import DeviceReport, Message

logger = logging.getLogger(__name__)


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    other_devices: int = 0
    late: int = 0              # older than the machine's latest signal: kept for the ledger, no stop rules
    machine_ids: set[int] = field(default_factory=set)   # machines with a stored signal
    stop_changed: set[int] = field(default_factory=set)  # machines whose stop opened or ended


def ingest(session: Session, *, link_id: int, message: Message, received_at: datetime) -> IngestResult:
    """One message in its own transaction; its news goes out after the commit (the receiver batches: writer.py)."""
    batch = Batch(session=session)
    try:
        with events.held() as news:
            link = session.get(DeviceLink, link_id)
            lock_machines(session.connection(), {link.machine_id} if link is not None else set())
            result = store(batch, link_id=link_id, message=message, received_at=received_at)
            batch.write()
            session.commit()
    except BaseException:
        session.rollback()
        raise
    announce(news, [result])
    return result


def store(batch: Batch, *, link_id: int, message: Message, received_at: datetime) -> IngestResult:
    """Every report of the link's device: its rows join the batch's and its stop opens or ends, or none of it
    (the caller undoes the message on an error, writes the batch, commits and then calls `announce`)."""
    batch.read({link_id})
    link = batch.links.get(link_id)
    if link is None:
        raise NotAuthenticated('unknown or revoked device link')
    if message.sender_id != link.sender_id:
        raise PermissionDenied(f'this link is for sender {link.sender_id!r}, the message is from '
                               f'{message.sender_id[:120]!r}')
    result = IngestResult()
    for report in message.reports:
        if link.device_id and report.device_id and report.device_id != link.device_id:
            result.other_devices += 1
            continue
        _store(batch, link_id, link.machine_id, message.protocol, report, received_at, result)
    batch.received[link_id] = max(received_at, batch.received.get(link_id, received_at))
    batch.errors.pop(link_id, None)
    return result


def announce(news: list[events.Change], results: list[IngestResult]) -> None:
    """After the commit: what the services published, and the machines whose stop opened or ended."""
    machines = sorted({machine_id for result in results for machine_id in result.stop_changed})
    events.publish_all(events.unique([*news, *((events.machine_changed, m) for m in machines)]))


def _store(batch: Batch, link_id: int, machine_id: int, protocol: str, report: DeviceReport,
           received_at: datetime, result: IngestResult) -> None:
    tolerance = timedelta(seconds=get_settings().jmf_clock_skew_seconds)
    at = effective_time(report.sent_at, received_at, tolerance)
    details = ' '.join(report.status_details)[:200]
    machine = batch.machines[machine_id]
    key = (machine_id, at, report.status, details)
    if machine.latest is not None and at <= machine.latest and (  # only a signal not newer than all can repeat one
            key in batch.pending or _seen(batch.db(), machine_id, at, report.status, details)):
        result.duplicates += 1
        return
    state = classify(report.status, report.status_details, report.device_condition)
    batch.pending.add(key)
    batch.signals.append({'link_id': link_id, 'machine_id': machine_id, 'at': at, 'sent_at': report.sent_at,
                          'received_at': received_at, 'protocol': protocol, 'device_status': report.status,
                          'state': state, 'status_details': details, 'device_condition': report.device_condition,
                          'production_counter': report.production_counter, 'total_counter': report.total_counter,
                          'hour_counter': report.hour_counter})
    result.stored += 1
    result.machine_ids.add(machine_id)
    if machine.latest is not None and at < machine.latest:
        result.late += 1
        return
    machine.latest = at
    batch.readings.extend(counters.readings(machine.counters, machine_id, at, report))
    if not (state not in (State.DOWN, State.NO_DATA) if machine.has_stop else state == State.DOWN):
        return  # nothing to open or end: no session needed
    signal = stops.Signal(machine_id=machine_id, at=at, state=state, status=report.status,
                          details=report.status_details, condition=report.device_condition)
    machine.has_stop, changed = stops.apply(batch.db(), signal, machine.has_stop)
    if changed:
        result.stop_changed.add(machine_id)


def _seen(session: Session, machine_id: int, at: datetime, status: str, details: str) -> bool:
    """The same report again (a retried POST, or two links to one machine)."""
    return select_rows(session, select(col(JmfSignal.id)).where(
        col(JmfSignal.machine_id) == machine_id, col(JmfSignal.at) == at, col(JmfSignal.device_status) == status,
        col(JmfSignal.status_details) == details).limit(1)).first() is not None


def purge_signals(session: Session, now: datetime | None = None) -> int:
    """Delete raw signals older than the retention; returns how many went."""
    cutoff = (now or utcnow()) - timedelta(days=get_settings().jmf_signal_retention_days)
    gone = session.execute(delete(JmfSignal).where(col(JmfSignal.received_at) < cutoff)).rowcount  # type: ignore[attr-defined]
    session.commit()
    if gone:
        logger.info('purged %d JMF signals received before %s', gone, cutoff.isoformat())
    return int(gone or 0)


def compact_old_readings(session: Session, now: datetime | None = None, since: datetime | None = None) -> datetime:
    """Meter readings older than the signals' retention: one per machine, meter and UTC day, from `since` (the
    previous call's answer) or from the oldest. Returns the midnight compacted up to."""
    cutoff = (now or utcnow()) - timedelta(days=get_settings().jmf_signal_retention_days)
    return counters.compact_readings(session, cutoff, since)
