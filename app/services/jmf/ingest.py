"""Store the status reports of one received message: raw signals, meter readings, stops; and purge old signals."""
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlmodel import Session, col

from app import events
from app.config import get_settings
from app.db import rolls_back, select_rows
from app.errors import PermissionDenied
from app.models import CTPMachine, DeviceLink, JmfSignal, utcnow
from app.services.jmf import counters, stops
from app.services.jmf.ledger import classify, effective_time
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


@dataclass
class Known:
    """What one transaction already read or wrote of each machine, so its next signals do not read it again. Valid
    while that transaction is the machine's only writer (SQLite's write lock; on PostgreSQL `lock_machines`);
    `forget` a machine when a message about it is rolled back."""

    latest: dict[int, datetime | None] = field(default_factory=dict)  # newest stored signal time
    has_stop: dict[int, bool] = field(default_factory=dict)           # an open machine stop
    counters: dict[int, dict[str, float]] = field(default_factory=dict)
    links: dict[int, tuple[str, str, int]] = field(default_factory=dict)  # link id: (sender, device, machine)

    def forget(self, machine_id: int, link_id: int) -> None:
        self.latest.pop(machine_id, None)
        self.has_stop.pop(machine_id, None)
        self.counters.pop(machine_id, None)
        self.links.pop(link_id, None)


def lock_machines(session: Session, machine_ids: set[int]) -> None:
    """One ingest writer per machine at a time across app processes (PostgreSQL): the open-stop check, the latest
    signal and the counters are read once per transaction. Sorted, so two writers never deadlock; FOR NO KEY UPDATE
    as the roll-up takes it (app/services/rollup.py). SQLite's BEGIN IMMEDIATE already made this the only writer."""
    if machine_ids and session.get_bind().dialect.name != 'sqlite':
        session.execute(select(col(CTPMachine.id)).where(col(CTPMachine.id).in_(machine_ids))
                        .order_by(col(CTPMachine.id)).with_for_update(key_share=True))


def ingest(session: Session, *, link_id: int, message: Message, received_at: datetime) -> IngestResult:
    """One message in its own transaction; its news goes out after the commit (the receiver batches: writer.py)."""
    with events.held() as news:
        link = session.get(DeviceLink, link_id)
        lock_machines(session, {link.machine_id} if link is not None else set())
        result = store(session, link_id=link_id, message=message, received_at=received_at)
        touch_links(session, {link_id: received_at})
        session.commit()
    announce(news, [result])
    return result


@rolls_back
def store(session: Session, *, link_id: int, message: Message, received_at: datetime,
          known: Known | None = None) -> IngestResult:
    """Every report of the link's device is stored, or none (the caller commits and then calls `announce`)."""
    known = known or Known()
    if link_id not in known.links:
        link = session.get(DeviceLink, link_id)
        assert link is not None
        known.links[link_id] = (link.sender_id, link.device_id, link.machine_id)
    sender_id, device_id, machine_id = known.links[link_id]
    if message.sender_id != sender_id:
        raise PermissionDenied(f'this link is for sender {sender_id!r}, the message is from '
                               f'{message.sender_id[:120]!r}')
    result = IngestResult()
    for report in message.reports:
        if device_id and report.device_id and report.device_id != device_id:
            result.other_devices += 1
            continue
        _store(session, link_id, machine_id, message.protocol, report, received_at, result, known)
    session.flush()
    return result


def touch_links(session: Session, received: dict[int, datetime]) -> None:
    """The links' last signal (their health): one write per link, not per message."""
    for link_id, at in received.items():
        session.execute(update(DeviceLink).where(col(DeviceLink.id) == link_id)
                        .values(last_signal_at=at, last_error=None))


def announce(news: list[events.Change], results: list[IngestResult]) -> None:
    """After the commit: what the services published, and the machines whose stop opened or ended."""
    machines = sorted({machine_id for result in results for machine_id in result.stop_changed})
    events.publish_all(events.unique([*news, *((events.machine_changed, m) for m in machines)]))


def _store(session: Session, link_id: int, machine_id: int, protocol: str, report: DeviceReport,
           received_at: datetime, result: IngestResult, known: Known) -> None:
    tolerance = timedelta(seconds=get_settings().jmf_clock_skew_seconds)
    at = effective_time(report.sent_at, received_at, tolerance)
    details = ' '.join(report.status_details)[:200]
    if machine_id not in known.latest:
        known.latest[machine_id] = select_rows(session, select(func.max(col(JmfSignal.at)))
                                               .where(col(JmfSignal.machine_id) == machine_id)).one()[0]
    latest = known.latest[machine_id]
    if latest is not None and at <= latest and _seen(session, machine_id, at, report.status, details):
        result.duplicates += 1  # only a signal not newer than every stored one can repeat one
        return
    state = classify(report.status, report.status_details, report.device_condition)
    session.add(JmfSignal(link_id=link_id, machine_id=machine_id, at=at, sent_at=report.sent_at,
                          received_at=received_at, protocol=protocol, device_status=report.status, state=state,
                          status_details=details, device_condition=report.device_condition,
                          production_counter=report.production_counter, total_counter=report.total_counter,
                          hour_counter=report.hour_counter))
    result.stored += 1
    result.machine_ids.add(machine_id)
    if latest is not None and at < latest:
        result.late += 1
        return
    known.latest[machine_id] = at
    if report.production_counter is not None or report.total_counter is not None or report.hour_counter is not None:
        if machine_id not in known.counters:
            known.counters[machine_id] = counters.latest_values(session, machine_id)
        counters.record(session, machine_id, at, report, known.counters[machine_id])
    signal = stops.Signal(machine_id=machine_id, at=at, state=state, status=report.status,
                          details=report.status_details, condition=report.device_condition)
    known.has_stop[machine_id], changed = stops.apply(session, signal, known.has_stop.get(machine_id))
    if changed:
        result.stop_changed.add(machine_id)


def _seen(session: Session, machine_id: int, at: datetime, status: str, details: str) -> bool:
    """The same report again (a retried POST, or two links to one machine)."""
    return select_rows(session, select(col(JmfSignal.id)).where(
        col(JmfSignal.machine_id) == machine_id, col(JmfSignal.at) == at, col(JmfSignal.device_status) == status,
        col(JmfSignal.status_details) == details).limit(1)).first() is not None


def record_error(session: Session, link_id: int, message: str) -> None:
    """Keep the last refusal on the link, for the admins' health view."""
    link = session.get(DeviceLink, link_id)
    if link is not None:
        link.last_error = message[:200]
        session.add(link)
        session.commit()


def purge_signals(session: Session, now: datetime | None = None) -> int:
    """Delete raw signals older than the retention; returns how many went."""
    cutoff = (now or utcnow()) - timedelta(days=get_settings().jmf_signal_retention_days)
    gone = session.execute(delete(JmfSignal).where(col(JmfSignal.received_at) < cutoff)).rowcount  # type: ignore[attr-defined]
    session.commit()
    if gone:
        logger.info('purged %d JMF signals received before %s', gone, cutoff.isoformat())
    return int(gone or 0)
