"""Stops without typing: a machine's failure opens an "unexplained stop" problem at the signal's time.

Down (XJMF Offline), or Stopped/NonProductive whose details or condition say failure, opens a stopping, unplanned
problem through the problem-log services (so every screen turns red through the usual events). The next known
non-failure state (Running, Idle, Setup, a planned Stopped) ends the downtime at that signal's time; a stop that
ended sooner than the micro-stop threshold is kept as a counted micro-stop and its problem is withdrawn. People
give the reason later (`explain_stop`); a person's report during an open machine stop joins it.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from app import i18n
from app.config import get_settings
from app.db import rolls_back, select_rows
from app.errors import Conflict, NotFound
from app.models import Category, CTPMachine, CTPProblemLog, MachineStop, ProblemStatus, Role, utcnow
from app.models.schemas import ProblemLogCreate, ProblemLogUpdate
from app.services import notifications, problem_logs, taxonomy
from app.services.access import Action, Actor, require, require_machine_visible, visible_machine_ids
from app.services.jmf.ledger import State
from app.services.jmf.open_stops import described, open_stop

MACHINE = Actor(user_id=None, role=Role.ADMIN, name='machine (JMF)')  # the machine acting through its link
SUGGESTIONS = {'PaperJam': ('Plate loading / autoloader', 'Plate jam'),
               'MissResources': ('Plate loading / autoloader', 'Cassette/pallet error')}
OPEN = (ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS)


@dataclass(frozen=True)
class Signal:
    """What the stop rules need from one in-order DeviceInfo."""

    machine_id: int
    at: datetime
    state: State
    status: str
    details: tuple[str, ...]
    condition: str


def apply(session: Session, signal: Signal, has_stop: bool | None = None) -> tuple[bool, bool]:
    """Open or end the machine's stop for an in-order signal (out-of-order signals only feed the ledger).
    `has_stop`: whether the machine has an open stop, when the caller knows (None: read it). Returns (whether it
    has one now, whether it opened or ended)."""
    ending = signal.state not in (State.DOWN, State.NO_DATA)
    if has_stop is False and signal.state != State.DOWN or has_stop is True and not ending:
        return has_stop, False  # nothing to open or end: no need to read the stop
    stop = open_stop(session, signal.machine_id)
    if signal.state == State.DOWN and stop is None:
        _open(session, signal)
        return True, True
    if stop is not None and ending:
        _end(session, stop, signal.at)
        return False, True
    return stop is not None, False


def _open(session: Session, signal: Signal) -> None:
    words = ' '.join((signal.status, *signal.details))
    condition = f', DeviceCondition {signal.condition}' if signal.condition else ''
    with i18n.language(get_settings().language):  # stored text: the plant's own language, as its people write
        description = i18n._('Unexplained stop reported by the machine: {details}. Why did it stop?').format(
            details=f'{words}{condition}')
    body = ProblemLogCreate(machine_id=signal.machine_id, is_stopping=True, is_planned=False,
                            start_time=min(signal.at, utcnow()), problem_description=description)
    log = problem_logs.report_problem(session, actor=MACHINE, problem_in=body).log
    session.add(MachineStop(machine_id=signal.machine_id, log_id=log.id, started_at=signal.at,
                            device_status=signal.status, status_details=' '.join(signal.details)[:200],
                            device_condition=signal.condition,
                            suggested_category_id=suggested_category(session, signal.details)))
    # The problem's news is held until the stop is committed with it (ingest.announce): screens that re-read at
    # once (the tablets' "why?") find the stop.


def _end(session: Session, stop: MachineStop, at: datetime) -> None:
    stop.ended_at = max(at, stop.started_at)
    session.add(stop)
    log = session.get(CTPProblemLog, stop.log_id) if stop.log_id is not None else None
    if log is None or log.status not in OPEN:
        return  # a person completed or cancelled it already
    threshold = timedelta(seconds=get_settings().jmf_micro_stop_seconds)
    if stop.ended_at - stop.started_at < threshold:
        stop.kind = 'micro'
        bells = notifications.withdraw(session, log.id)  # type: ignore[arg-type]
        problem_logs.delete_problem(session, actor=MACHINE, log_id=log.id)  # type: ignore[arg-type]
        notifications.publish_for(bells)
        return
    with i18n.language(get_settings().language):  # stored text, as the stop's description
        solution = i18n._('Running again at {time} (reported by the machine).').format(
            time=i18n.time_text(stop.ended_at, seconds=True))
    problem_logs.update_problem(session, actor=MACHINE, log_id=log.id, changes=ProblemLogUpdate(  # type: ignore[arg-type]
        status=ProblemStatus.COMPLETED, end_time=min(stop.ended_at, utcnow()), resolved_by='operator',
        solution=log.solution or solution))


def suggested_category(session: Session, details: tuple[str, ...]) -> int | None:
    """The taxonomy leaf the details point to (PaperJam -> plate loading / plate jam), if it exists."""
    names = next((SUGGESTIONS[word] for word in details if word in SUGGESTIONS), None)
    if names is None:
        return None
    parent = select_rows(session, select(col(Category.id)).where(col(Category.parent_id).is_(None),
                                                                 col(Category.name) == names[0]))
    parent_id = parent.scalars().first()
    leaf = select_rows(session, select(col(Category.id)).where(col(Category.parent_id) == parent_id,
                                                               col(Category.name) == names[1]))
    return leaf.scalars().first()


@rolls_back
def explain_stop(session: Session, *, actor: Actor, stop_id: int, category_id: int | None = None,
                 note: str | None = None) -> MachineStop:
    """A person in the machine's scope gives the reason of a machine stop (default: the suggested category)."""
    require(actor, Action.EDIT_PROBLEM)
    stop = session.get(MachineStop, stop_id)
    if stop is None:
        raise NotFound(f'machine stop {stop_id} not found')
    require_machine_visible(session, actor, stop.machine_id)
    if stop.log_id is None or stop.kind == 'micro':
        raise Conflict('a micro-stop has no problem to explain')
    category_id = category_id or stop.suggested_category_id
    log = session.get(CTPProblemLog, stop.log_id)
    assert log is not None
    changes = ProblemLogUpdate(category_id=category_id or log.category_id,
                               problem_description=described(log, note), version=log.version)
    stop.explained_at, stop.explained_by = utcnow(), actor.user_id  # committed with the problem, before its events
    session.add(stop)
    problem_logs.update_problem(session, actor=actor, log_id=log.id, changes=changes)  # type: ignore[arg-type]
    return stop


@dataclass(frozen=True)
class StopInfo:
    id: int
    machine_id: int
    machine_name: str
    log_id: int | None
    started_at: datetime
    ended_at: datetime | None
    kind: str
    device_status: str
    status_details: str
    device_condition: str
    suggested_category_id: int | None
    suggested_category: str | None
    explained_at: datetime | None


def list_stops(session: Session, *, actor: Actor, unexplained_only: bool = False,
               limit: int = 200) -> list[StopInfo]:
    """Machine stops in the actor's scope, newest first (micro-stops excluded when only unexplained are asked)."""
    require(actor, Action.READ)
    query = select(MachineStop).order_by(col(MachineStop.started_at).desc()).limit(limit)
    ids = visible_machine_ids(session, actor)
    if ids is not None:
        query = query.where(col(MachineStop.machine_id).in_(ids))
    if unexplained_only:  # ... and still a problem: one a person cancelled or deleted asks nothing
        query = query.join(CTPProblemLog, col(CTPProblemLog.id) == col(MachineStop.log_id)).where(
            col(MachineStop.explained_at).is_(None), col(MachineStop.kind) == 'stop',
            col(CTPProblemLog.deleted_at).is_(None), col(CTPProblemLog.status) != ProblemStatus.CANCELLED,
            col(CTPProblemLog.category_id).is_(None))
    return [_stop_info(session, row) for row in select_rows(session, query).scalars()]


def micro_stop_count(session: Session, machine_id: int, start: datetime, end: datetime) -> int:
    return int(select_rows(session, select(func.count()).select_from(MachineStop).where(
        col(MachineStop.machine_id) == machine_id, col(MachineStop.kind) == 'micro',
        col(MachineStop.started_at) >= start,
        col(MachineStop.started_at) < end)).one()[0])


def _stop_info(session: Session, row: MachineStop) -> StopInfo:
    machine = session.get(CTPMachine, row.machine_id)
    label = taxonomy.category_info(session, row.suggested_category_id).label if row.suggested_category_id else None
    return StopInfo(id=row.id, machine_id=row.machine_id, machine_name=machine.name if machine else '?',  # type: ignore[arg-type]
                    log_id=row.log_id, started_at=row.started_at, ended_at=row.ended_at, kind=row.kind,
                    device_status=row.device_status, status_details=row.status_details,
                    device_condition=row.device_condition, suggested_category_id=row.suggested_category_id,
                    suggested_category=label, explained_at=row.explained_at)
