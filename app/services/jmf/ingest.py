"""Store the status reports of one received message: raw signals, meter readings, stops; and purge old signals."""
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from app.config import get_settings
from app.db import rolls_back, select_rows
from app.errors import PermissionDenied
from app.models import DeviceLink, JmfSignal, utcnow
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
    machine_ids: set[int] = field(default_factory=set)


@rolls_back
def ingest(session: Session, *, link_id: int, message: Message, received_at: datetime) -> IngestResult:
    """One transaction per message: every report of the link's device is stored, or none."""
    link = session.get(DeviceLink, link_id)
    assert link is not None
    if message.sender_id != link.sender_id:
        raise PermissionDenied(f'this link is for sender {link.sender_id!r}, the message is from '
                               f'{message.sender_id[:120]!r}')
    result = IngestResult()
    for report in message.reports:
        if link.device_id and report.device_id and report.device_id != link.device_id:
            result.other_devices += 1
            continue
        _store(session, link, message.protocol, report, received_at, result)
    link.last_signal_at, link.last_error = received_at, None
    session.add(link)
    session.commit()
    return result


def _store(session: Session, link: DeviceLink, protocol: str, report: DeviceReport, received_at: datetime,
           result: IngestResult) -> None:
    tolerance = timedelta(seconds=get_settings().jmf_clock_skew_seconds)
    at = effective_time(report.sent_at, received_at, tolerance)
    details = ' '.join(report.status_details)[:200]
    if _seen(session, link.machine_id, at, report.status, details):
        result.duplicates += 1
        return
    latest = select_rows(session, select(func.max(col(JmfSignal.at)))
                         .where(col(JmfSignal.machine_id) == link.machine_id)).one()[0]
    state = classify(report.status, report.status_details, report.device_condition)
    session.add(JmfSignal(link_id=link.id, machine_id=link.machine_id, at=at, sent_at=report.sent_at,  # type: ignore[arg-type]
                          received_at=received_at, protocol=protocol, device_status=report.status, state=state,
                          status_details=details, device_condition=report.device_condition,
                          production_counter=report.production_counter, total_counter=report.total_counter,
                          hour_counter=report.hour_counter))
    result.stored += 1
    result.machine_ids.add(link.machine_id)
    if latest is not None and at < latest:
        result.late += 1
        return
    counters.record(session, link.machine_id, at, report)
    stops.apply(session, stops.Signal(machine_id=link.machine_id, at=at, state=state, status=report.status,
                                      details=report.status_details, condition=report.device_condition))


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
