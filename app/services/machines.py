"""Machines: the board summary in scope, and admin create / edit / retire."""
from datetime import datetime, time

from sqlalchemy import func, select
from sqlmodel import Session, col

from app import events
from app.config import get_settings
from app.db import pk, rolls_back, select_rows
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import N_
from app.models import OPEN_STATUSES, CTPMachine, CTPProblemLog, DowntimeSegment, MachineStatus, User, utcnow
from app.models.schemas import MachineCreate, MachinePublic, MachineUpdate, OpenProblemSummary
from app.services import downtime, taxonomy
from app.services.access import Action, Actor, machine_scope, require, require_machine_visible
from app.services.maintenance import orders as maintenance_orders

_STATUS_RANK = {MachineStatus.DOWN: 0, MachineStatus.MAINTENANCE: 1, MachineStatus.DEGRADED: 2}


def list_machines(session: Session, *, actor: Actor, include_retired: bool = False) -> list[MachinePublic]:
    """Machines the actor may see, with open problem, down-since and today's downtime."""
    require(actor, Action.READ)
    where = [machine_scope(session, actor, CTPMachine.id)]
    if not include_retired:
        where.append(col(CTPMachine.retired_at).is_(None))
    machines = list(select_rows(session, select(CTPMachine).where(*where).order_by(col(CTPMachine.name))).scalars())
    return summarize(session, machines)


def get_machine(session: Session, *, actor: Actor, machine_id: int) -> MachinePublic:
    """One machine in scope (404 otherwise)."""
    return summarize(session, [require_machine_visible(session, actor, machine_id)])[0]


def names(session: Session) -> dict[int, str]:
    """Every machine's name by id, retired ones included: labels for figures a service has already scoped."""
    return dict(select_rows(session, select(pk(CTPMachine.id), col(CTPMachine.name))).all())


def summarize(session: Session, machines: list[CTPMachine]) -> list[MachinePublic]:
    ids = [m.id for m in machines]
    now = utcnow()
    # ORDER BY machine_id keeps SQLite on the (machine, status) index: by start_time it walked one machine's whole
    # history through (machine, start), and with no order it scanned the table for many machines (1M problems).
    open_logs = sorted(select_rows(session, select(CTPProblemLog).where(
        col(CTPProblemLog.machine_id).in_(ids), col(CTPProblemLog.status).in_(OPEN_STATUSES),
        col(CTPProblemLog.deleted_at).is_(None)).order_by(col(CTPProblemLog.machine_id))).scalars(),
        key=lambda log: log.start_time)
    running = dict(select_rows(
        session, select(col(DowntimeSegment.machine_id), func.min(col(DowntimeSegment.down_at)))
        .join(CTPProblemLog, col(CTPProblemLog.id) == DowntimeSegment.log_id)  # non-stopping problems keep history
        .where(col(DowntimeSegment.machine_id).in_(ids), col(DowntimeSegment.up_at).is_(None),
               col(CTPProblemLog.is_stopping))
        .group_by(col(DowntimeSegment.machine_id))).all())  # .all(): a Result has keys(); dict() reads it as a mapping
    today = _today_downtime(session, ids, now)
    rows = [_machine_public(session, m, [log for log in open_logs if log.machine_id == m.id],
                            running.get(m.id), today.get(m.id, 0.0), now) for m in machines]  # type: ignore[arg-type]
    pm_badges = maintenance_orders.badges(session, ids, now)  # type: ignore[arg-type]
    for row in rows:
        row.maintenance_due = pm_badges.get(row.id)
    return rows


def _today_downtime(session: Session, ids: list[int | None], now: datetime) -> dict[int, float]:
    """Downtime seconds since plant-local midnight per machine, running stops counted to now."""
    from app.services import stats  # stats imports this module's neighbours; keep the cycle local
    midnight = datetime.combine(now.astimezone(get_settings().zone).date(), time(), get_settings().zone)
    return stats.downtime_seconds_by_machine(session, [i for i in ids if i is not None], midnight, now, now)


def _machine_public(session: Session, machine: CTPMachine, open_logs: list[CTPProblemLog],
                    down_since: datetime | None, today_seconds: float, now: datetime) -> MachinePublic:
    headline = _headline(open_logs)
    summary = None
    if headline is not None:
        acknowledger = session.get(User, headline.acknowledged_by) if headline.acknowledged_by else None
        label = taxonomy.category_info(session, headline.category_id).label if headline.category_id else None
        summary = OpenProblemSummary(
            id=headline.id, problem_description=headline.problem_description, category=label,
            status=headline.status, is_stopping=headline.is_stopping, is_planned=headline.is_planned,
            start_time=headline.start_time, acknowledged_at=headline.acknowledged_at,
            acknowledged_by_name=acknowledger.name if acknowledger else None,
            vendor_called_at=headline.vendor_called_at, vendor_arrived_at=headline.vendor_arrived_at,
            category_id=headline.category_id)
    current = (now - down_since).total_seconds() if down_since else 0.0
    return MachinePublic(
        **machine.model_dump(), open_problem_count=len(open_logs), down_since=down_since,
        current_downtime_minutes=downtime.to_minutes(current),
        today_downtime_minutes=downtime.to_minutes(today_seconds),
        open_problem=summary)


def _headline(open_logs: list[CTPProblemLog]) -> CTPProblemLog | None:
    """The open problem that decides the status: stopping unplanned first, then planned, then the rest."""
    def rank(log: CTPProblemLog) -> tuple[int, datetime]:
        kind = 0 if log.is_stopping and not log.is_planned else (1 if log.is_stopping else 2)
        return kind, log.start_time
    return min(open_logs, key=rank) if open_logs else None


@rolls_back
def create_machine(session: Session, *, actor: Actor, machine_in: MachineCreate) -> CTPMachine:
    """Admin: add a machine (names are unique)."""
    require(actor, Action.ADMINISTER)
    _ensure_unique_name(session, machine_in.name)
    machine = CTPMachine(**machine_in.model_dump())
    session.add(machine)
    session.commit()
    events.publish(events.machine_changed, machine.id)  # type: ignore[arg-type]
    return machine


@rolls_back
def update_machine(session: Session, *, actor: Actor, machine_id: int, changes: MachineUpdate) -> CTPMachine:
    """Admin: edit name, nickname, description; retire or bring back."""
    require(actor, Action.ADMINISTER)
    machine = session.get(CTPMachine, machine_id)
    if machine is None:
        raise NotFound(N_('machine {id} not found'), id=machine_id)
    data = changes.model_dump(exclude_unset=True)
    if 'name' in data and data['name'] is None:
        raise InvalidInput(N_('name cannot be empty'), field='name')
    if 'name' in data and data['name'] != machine.name:
        _ensure_unique_name(session, data['name'])
    retired = data.pop('retired', None)
    for name, value in data.items():
        setattr(machine, name, value)
    if retired is not None:
        _set_retired(session, machine, retired)
    machine.updated_at = utcnow()
    session.add(machine)
    downtime.refresh_machine_status(session, machine_id)
    session.commit()
    events.publish(events.machine_changed, machine_id)
    return machine


def _set_retired(session: Session, machine: CTPMachine, retired: bool) -> None:
    if retired and machine.retired_at is None:
        open_count = select_rows(session, select(func.count()).select_from(CTPProblemLog).where(
            col(CTPProblemLog.machine_id) == machine.id, col(CTPProblemLog.status).in_(OPEN_STATUSES),
            col(CTPProblemLog.deleted_at).is_(None))).one()[0]
        if open_count:
            raise Conflict(N_('close or cancel the open problems before retiring this machine'))
        machine.retired_at = utcnow()
    elif not retired:
        machine.retired_at = None


def _ensure_unique_name(session: Session, name: str) -> None:
    if select_rows(session, select(col(CTPMachine.id)).where(func.lower(col(CTPMachine.name)) == name.lower())).first():
        raise Conflict(N_("a machine named '{name}' exists already"), name=name)


def sort_for_board(machines: list[MachinePublic]) -> list[MachinePublic]:
    """Red first, then blue, amber, green; by name within a status."""
    return sorted(machines, key=lambda m: (_STATUS_RANK.get(m.status, 3), m.name.lower()))
