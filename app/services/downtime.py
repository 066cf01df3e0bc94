"""Downtime segments, the per-problem downtime cache and the derived machine status (DOMAIN.md §3, §5)."""
from datetime import datetime
from typing import cast

from sqlalchemy import Select, bindparam, delete, func, select
from sqlmodel import Session, col

from app.config import get_settings
from app.db import prepared, select_rows
from app.errors import InvalidInput
from app.i18n import N_
from app.models import OPEN_STATUSES, CTPMachine, CTPProblemLog, DowntimeSegment, MachineStatus, utcnow


def segments_of(session: Session, log_id: int) -> list[DowntimeSegment]:
    return list(select_rows(session, _segments_query(), {'log_id': log_id}).scalars())


def segment_times(session: Session, log_id: int) -> list[tuple[datetime, datetime | None]]:
    """(down, up) of each of the problem's segments (up None while it runs): plain rows, no model objects."""
    return [(down, up) for down, up in select_rows(session, _times_query(), {'log_id': log_id})]


@prepared
def _times_query() -> Select[datetime, datetime | None]:
    return (select(col(DowntimeSegment.down_at), col(DowntimeSegment.up_at))
            .where(col(DowntimeSegment.log_id) == bindparam('log_id')))


@prepared
def _segments_query() -> Select[DowntimeSegment]:
    return (select(DowntimeSegment).where(col(DowntimeSegment.log_id) == bindparam('log_id'))
            .order_by(col(DowntimeSegment.down_at)))


def open_segment(session: Session, log: CTPProblemLog, down_at: datetime) -> None:
    session.add(DowntimeSegment(log_id=cast(int, log.id), machine_id=log.machine_id,  # a stored problem: it has an id
                                down_at=down_at, is_planned=log.is_planned))


def void_segments(session: Session, log_id: int) -> None:
    session.execute(delete(DowntimeSegment).where(col(DowntimeSegment.log_id) == log_id))


def rebuild_segments(session: Session, log: CTPProblemLog) -> None:
    """Fit the segments to the problem after an edit: first starts at start_time, last ends at end_time.

    A problem that is not stopping keeps its segments (they count only while it stops: DOMAIN.md §5.13), so
    turning the flag off and on again restores its history instead of one segment from start to end."""
    segments = segments_of(session, log.id)  # type: ignore[arg-type]
    if log.status == 'cancelled':
        void_segments(session, log.id)  # type: ignore[arg-type]
        return
    if not segments:
        if not log.is_stopping:
            return
        open_segment(session, log, log.start_time)
        session.flush()
        segments = segments_of(session, log.id)  # type: ignore[arg-type]
    segments[0].down_at = log.start_time
    if log.status == 'completed' and log.end_time is not None:
        segments[-1].up_at = log.end_time
    _check_order(segments)
    for segment in segments:
        segment.is_planned = log.is_planned
        session.add(segment)


def _check_order(segments: list[DowntimeSegment]) -> None:
    """Segments never invert or overlap each other (DOMAIN.md §5.12): the time that would do so is refused."""
    for index, segment in enumerate(segments):
        if segment.up_at is not None and segment.up_at < segment.down_at:
            if index == len(segments) - 1 and index > 0:
                raise InvalidInput(N_('end_time cannot be before {time}, when this problem was reopened'),
                                   field='end_time', time=_when(segment.down_at))
            if index == 0 and len(segments) > 1:
                raise InvalidInput(N_('start_time cannot be after {time}, when the machine first ran again'),
                                   field='start_time', time=_when(segment.up_at))
            raise InvalidInput(N_('end_time cannot be before start_time'), field='end_time')
        if index and (segments[index - 1].up_at is None or segments[index - 1].up_at > segment.down_at):  # type: ignore[operator]
            raise InvalidInput(N_('start_time cannot be after the time this problem was reopened'), field='start_time')


def _when(moment: datetime) -> str:
    return f'{moment.astimezone(get_settings().zone):%d %b %Y %H:%M}'


def downtime_seconds(session: Session, log_id: int, now: datetime | None = None) -> float:
    """Downtime of one problem from its segments; a running segment counts up to now; none unless stopping."""
    now = now or utcnow()
    log = session.get(CTPProblemLog, log_id)
    if log is None or not log.is_stopping:
        return 0.0
    total = 0.0
    for down, up in segment_times(session, log_id):
        total += max(0.0, ((up or now) - down).total_seconds())
    return total


def to_minutes(seconds: float) -> int:
    """Whole minutes for display: seconds are summed first and rounded once (DOMAIN.md §5.1)."""
    return int((seconds + 30) // 60)


def refresh_downtime_cache(session: Session, log: CTPProblemLog) -> None:
    session.flush()
    log.downtime_minutes = to_minutes(downtime_seconds(session, log.id))  # type: ignore[arg-type]


def derive_status(session: Session, machine: CTPMachine) -> MachineStatus:
    """The status rule of DOMAIN.md §3, first match wins."""
    if machine.retired_at is not None:
        return MachineStatus.RETIRED
    kinds = {(bool(stopping), bool(planned))
             for stopping, planned, _ in select_rows(session, _open_kinds(), {'machine_id': machine.id})}
    if (True, False) in kinds:
        return MachineStatus.DOWN
    if (True, True) in kinds:
        return MachineStatus.MAINTENANCE
    if kinds:
        return MachineStatus.DEGRADED
    return MachineStatus.OPERATIONAL


@prepared
def _open_kinds() -> Select[bool, bool, int]:
    """The kinds (stopping, planned) of :machine_id's open problems."""
    log = CTPProblemLog
    return (select(col(log.is_stopping), col(log.is_planned), func.count())
            .where(col(log.machine_id) == bindparam('machine_id'), col(log.status).in_(OPEN_STATUSES),
                   col(log.deleted_at).is_(None))
            .group_by(col(log.is_stopping), col(log.is_planned)))


def refresh_machine_status(session: Session, machine_id: int) -> bool:
    """Store the derived status; True when it changed."""
    session.flush()
    machine = session.get(CTPMachine, machine_id)
    if machine is None:
        return False
    status = derive_status(session, machine)
    if machine.status == status:
        return False
    machine.status = status
    machine.updated_at = utcnow()
    session.add(machine)
    return True
