"""The problem lifecycle (DOMAIN.md §4): report, acknowledge, complete, edit, reopen, cancel, delete.

Every action is one transaction (problem, segments, machine status, notifications, audit), then events.
"""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from app import events
from app.config import get_settings
from app.db import rolls_back
from app.errors import Conflict, InvalidInput
from app.i18n import N_
from app.models import (
    AuditAction,
    CTPMachine,
    CTPProblemLog,
    DowntimeSegment,
    NotificationType,
    ProblemStatus,
    ResolvedBy,
    TechnicianType,
    utcnow,
)
from app.models.schemas import ProblemLogCreate, ProblemLogUpdate
from app.services import audit, downtime, notifications, photos, rollup, taxonomy, teamwork
from app.services.access import (
    UNDO_WINDOW,
    Ability,
    Action,
    Actor,
    require,
    require_ability,
    require_log_editable,
    require_log_visible,
    require_machine_visible,
)
from app.services.time_bounds import CLOCK_SKEW, check_client_times

MACHINE_WORDS = {'down': 'DOWN', 'maintenance': 'MAINTENANCE', 'degraded': 'DEGRADED', 'operational': 'RUNNING',
                 'retired': 'RETIRED'}  # the wall's words, one casing
UNDO_REASON = 'reported by mistake (undone by the reporter)'
EDITABLE_FIELDS = ('problem_description', 'category_id', 'is_stopping', 'is_planned', 'start_time', 'end_time',
                   'solution', 'resolved_by', 'technician_type', 'technician_name', 'vendor_called_at',
                   'vendor_arrived_at', 'vendor_ticket', 'plates_lost')
TIME_FIELDS = {'start_time', 'end_time', 'vendor_called_at', 'vendor_arrived_at'}  # bounded by time_bounds
NOT_NULL_FIELDS = frozenset({'problem_description', 'is_stopping', 'is_planned', 'start_time', 'technician_type',
                             'plates_lost'})


@dataclass
class Outcome:
    """A saved problem and what to announce once the transaction is committed."""

    log: CTPProblemLog
    created: bool = False
    notified: set[int] = field(default_factory=set)


@rolls_back
def report_problem(session: Session, *, actor: Actor, problem_in: ProblemLogCreate) -> Outcome:
    """Report a problem on a machine in scope; a replayed client_key returns the original problem."""
    require(actor, Action.REPORT)
    machine = require_machine_visible(session, actor, problem_in.machine_id)
    request_hash = _hash(problem_in)
    if problem_in.client_key and (replay := _replay(session, problem_in.client_key, request_hash, actor)):
        return Outcome(log=replay)
    if machine.retired_at is not None:
        raise Conflict(N_('{machine} is retired; no new problems can be reported'), machine=machine.name)
    if (joined := _join_machine_stop(session, actor, problem_in)) is not None:
        return Outcome(log=joined)
    log = _new_log(session, actor, problem_in, request_hash)
    try:
        outcome = _insert(session, actor, machine, log)
    except IntegrityError:
        session.rollback()
        if problem_in.client_key and (replay := _replay(session, problem_in.client_key, request_hash, actor)):
            return Outcome(log=replay)
        raise
    _announce(outcome)
    return outcome


def _join_machine_stop(session: Session, actor: Actor, problem_in: ProblemLogCreate) -> CTPProblemLog | None:
    """A person's stopping report while the machine itself reported a stop joins that stop (issue #21)."""
    if not problem_in.is_stopping or problem_in.is_planned or actor.user_id is None:
        return None
    from app.services.jmf import stops  # imported here: machine stops are built on this module
    return stops.join_open_stop(session, actor=actor, problem_in=problem_in)


def _new_log(session: Session, actor: Actor, problem_in: ProblemLogCreate, request_hash: str) -> CTPProblemLog:
    now = utcnow()
    check_client_times(actor, now, problem_in.model_dump(include=TIME_FIELDS))
    start = problem_in.start_time or now
    if start > now + CLOCK_SKEW:
        raise InvalidInput(N_('start_time cannot be in the future'), field='start_time')
    start = min(start, now)
    local_day = start.astimezone(get_settings().zone).date()
    if problem_in.problem_date is not None and problem_in.problem_date != local_day:
        raise InvalidInput(N_('problem_date must be the plant-local date of start_time ({day})'),
                           field='problem_date', day=local_day)
    planned = problem_in.is_planned
    if problem_in.category_id is not None:
        info = taxonomy.category_info(session, problem_in.category_id)
        if not info.active:
            raise InvalidInput(N_('this category is no longer in use'), field='category_id')
        planned = info.is_planned_default if planned is None else planned
    if problem_in.vendor_called_at is not None and not start <= problem_in.vendor_called_at <= now + CLOCK_SKEW:
        raise InvalidInput(N_('vendor_called_at must lie between start_time and now'), field='vendor_called_at')
    data = problem_in.model_dump(exclude={'problem_date', 'is_planned', 'start_time'})
    return CTPProblemLog(**data, problem_date=local_day, start_time=start, is_planned=bool(planned),
                         created_by=actor.user_id, created_at=now, updated_at=now, request_hash=request_hash)


def _insert(session: Session, actor: Actor, machine: CTPMachine, log: CTPProblemLog) -> Outcome:
    session.add(log)
    session.flush()
    if log.is_stopping:
        downtime.open_segment(session, log, log.start_time)
    downtime.refresh_downtime_cache(session, log)
    rollup.refresh_problem(session, log)
    audit.record(session, log_id=log.id, actor_id=actor.user_id, action=AuditAction.CREATE)  # type: ignore[arg-type]
    downtime.refresh_machine_status(session, machine.id)  # type: ignore[arg-type]
    recipients = notifications.recipients_in_scope(session, machine.id) - {actor.user_id}  # type: ignore[arg-type]
    notifications.notify(session, user_ids=recipients, machine_id=machine.id, log_id=log.id,  # type: ignore[arg-type]
                         kind=NotificationType.PROBLEM_CREATED, message=_message(session, machine, log, 'reported'))
    session.commit()
    return Outcome(log=log, created=True, notified=recipients)


def _replay(session: Session, client_key: str, request_hash: str, actor: Actor) -> CTPProblemLog | None:
    existing = session.exec(select(CTPProblemLog).where(CTPProblemLog.client_key == client_key)).scalars().first()
    if existing is None:
        return None
    if existing.request_hash != request_hash or existing.created_by != actor.user_id:
        raise Conflict(N_('this client key was already used for a different problem'))
    return existing


def _hash(problem_in: ProblemLogCreate) -> str:
    body = problem_in.model_dump(mode='json', exclude={'client_key'})
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@rolls_back
def update_problem(session: Session, *, actor: Actor, log_id: int, changes: ProblemLogUpdate) -> Outcome:
    """Edit fields and/or move through the lifecycle by setting `status`; a stale version is 409."""
    log = require_log_visible(session, actor, log_id)
    teamwork.check_rights(actor, log, changes)  # the report is the reporter's, the work is the team's
    if changes.version is not None and changes.version != log.version:
        raise Conflict(N_('this problem was changed by someone else; reload and try again'))
    before = rollup.span_of(session, log)
    now = utcnow()
    sent = changes.model_dump(include=TIME_FIELDS, exclude_unset=True)
    check_client_times(actor, now, {name: value for name, value in sent.items() if value != getattr(log, name)})
    changed = _apply_fields(session, actor, log, changes, now)
    kind = _transition(session, actor, log, changes, now)
    handed = teamwork.hand_over(session, actor, log, changes.owner_id) if changes.owner_id else None
    _validate_times(log, now)
    if not changed and kind is None and handed is None:
        return Outcome(log=log)
    log.updated_at = now
    downtime.rebuild_segments(session, log)
    downtime.refresh_downtime_cache(session, log)
    rollup.refresh_problem(session, log, before)
    downtime.refresh_machine_status(session, log.machine_id)
    notified = _notify_transition(session, actor, log, kind, changed) | (handed or set())
    try:
        session.commit()
    except StaleDataError as error:
        session.rollback()
        raise Conflict(N_('this problem was changed by someone else; reload and try again')) from error
    outcome = Outcome(log=log, notified=notified)
    _announce(outcome)
    return outcome


def _apply_fields(session: Session, actor: Actor, log: CTPProblemLog, changes: ProblemLogUpdate,
                  now: datetime) -> set[str]:
    given = changes.model_dump(include=set(EDITABLE_FIELDS), exclude_unset=True)
    if 'category_id' in given and given['category_id'] is not None:
        info = taxonomy.category_info(session, given['category_id'])
        if 'is_planned' not in given and info.is_planned_default != log.is_planned:
            given['is_planned'] = info.is_planned_default
    if given.get('resolved_by') is not None:
        given.setdefault('technician_type', ResolvedBy(given['resolved_by']).technician_type)
    changed: set[str] = set()
    for name, value in given.items():
        if name in NOT_NULL_FIELDS and value is None:
            raise InvalidInput(N_('{field} cannot be empty'), field=name)
        old = getattr(log, name)
        if old == value:
            continue
        setattr(log, name, value)
        audit.record(session, log_id=log.id, actor_id=actor.user_id, action=AuditAction.UPDATE,  # type: ignore[arg-type]
                     field=name, old=old, new=value)
        changed.add(name)
    if 'start_time' in changed:
        log.problem_date = log.start_time.astimezone(get_settings().zone).date()
    return changed


def _transition(session: Session, actor: Actor, log: CTPProblemLog, changes: ProblemLogUpdate,
                now: datetime) -> NotificationType | None:
    target = changes.status
    current = ProblemStatus(log.status)
    if target is None or target == current:
        return None
    step = TRANSITIONS.get((current, target))
    if step is None:
        raise Conflict(N_('a problem cannot go from {current} to {target}'), current=current.value, target=target.value)
    old = log.status
    kind = step(session, actor, log, changes, now)
    log.status = target
    audit.record(session, log_id=log.id, actor_id=actor.user_id, action=_ACTIONS[target],  # type: ignore[arg-type]
                 field='status', old=old, new=target)
    return kind


def _acknowledge(session: Session, actor: Actor, log: CTPProblemLog, changes: ProblemLogUpdate,
                 now: datetime) -> NotificationType:
    log.acknowledged_at, log.acknowledged_by = max(now, log.created_at), actor.user_id
    return NotificationType.PROBLEM_ACKNOWLEDGED


def _complete(session: Session, actor: Actor, log: CTPProblemLog, changes: ProblemLogUpdate,
              now: datetime) -> NotificationType:
    if not (log.solution or '').strip():
        raise InvalidInput(N_('a solution is required to complete a problem'), field='solution')
    if log.resolved_by is None:
        raise InvalidInput(N_('say who resolved it (resolved_by) to complete a problem'), field='resolved_by')
    if changes.end_time is None:
        log.end_time = now
    if log.acknowledged_at is None:  # recorded now, never the back-dated end (DOMAIN.md §4)
        log.acknowledged_at, log.acknowledged_by = max(now, log.created_at), actor.user_id
    downtime.close_running_segment(session, log, log.end_time)  # type: ignore[arg-type]
    return NotificationType.PROBLEM_RESOLVED


def _reopen(session: Session, actor: Actor, log: CTPProblemLog, changes: ProblemLogUpdate,
            now: datetime) -> NotificationType:
    if not (changes.reason or '').strip():
        raise InvalidInput(N_('give a reason to reopen a problem'), field='reason')
    audit.record(session, log_id=log.id, actor_id=actor.user_id, action=AuditAction.REOPEN,  # type: ignore[arg-type]
                 field='reason', new=changes.reason)
    segments = downtime.segments_of(session, log.id)  # type: ignore[arg-type]
    down_again = _reopened_at(log, segments, changes.reopened_at, now)
    if log.is_stopping:
        if changes.never_ran and segments:
            segments[-1].up_at = None
            session.add(segments[-1])
        else:
            downtime.open_segment(session, log, down_again)
    log.end_time = None
    return NotificationType.PROBLEM_REOPENED


def _reopened_at(log: CTPProblemLog, segments: list[DowntimeSegment], given: datetime | None,
                 now: datetime) -> datetime:
    """When the machine went down again: now, or a given time not after now and not before the last end."""
    if given is None:
        return now
    if given > now + CLOCK_SKEW:
        raise InvalidInput(N_('reopened_at cannot be in the future'), field='reopened_at')
    ends = [moment for moment in (log.end_time, *(s.up_at for s in segments)) if moment is not None]
    if ends and given < max(ends):
        raise InvalidInput(N_('reopened_at cannot be before the problem last ended'), field='reopened_at')
    return min(given, now)


def _cancel(session: Session, actor: Actor, log: CTPProblemLog, changes: ProblemLogUpdate,
            now: datetime) -> NotificationType:
    if not (changes.reason or '').strip():
        raise InvalidInput(N_('give a reason to cancel a problem'), field='reason')
    log.cancel_reason = changes.reason
    downtime.void_segments(session, log.id)  # type: ignore[arg-type]
    return NotificationType.PROBLEM_CANCELLED


S = ProblemStatus
TRANSITIONS = {
    (S.OPEN, S.IN_PROGRESS): _acknowledge,
    (S.OPEN, S.COMPLETED): _complete,
    (S.IN_PROGRESS, S.COMPLETED): _complete,
    (S.COMPLETED, S.IN_PROGRESS): _reopen,
    (S.OPEN, S.CANCELLED): _cancel,
    (S.IN_PROGRESS, S.CANCELLED): _cancel,
}
_ACTIONS = {S.IN_PROGRESS: AuditAction.ACKNOWLEDGE, S.COMPLETED: AuditAction.COMPLETE,
            S.CANCELLED: AuditAction.CANCEL, S.OPEN: AuditAction.UPDATE}


def _validate_times(log: CTPProblemLog, now: datetime) -> None:
    if log.start_time > now + CLOCK_SKEW:
        raise InvalidInput(N_('start_time cannot be in the future'), field='start_time')
    if log.end_time is not None:
        if log.end_time < log.start_time:
            raise InvalidInput(N_('end_time cannot be before start_time'), field='end_time')
        if log.end_time > now + CLOCK_SKEW:
            raise InvalidInput(N_('end_time cannot be in the future'), field='end_time')
    if log.vendor_arrived_at is not None and log.vendor_called_at is None:
        raise InvalidInput(N_('set vendor_called_at before vendor_arrived_at'), field='vendor_arrived_at')
    if log.vendor_called_at and log.vendor_arrived_at and log.vendor_arrived_at < log.vendor_called_at:
        raise InvalidInput(N_('vendor_arrived_at cannot be before vendor_called_at'), field='vendor_arrived_at')
    if log.status != ProblemStatus.COMPLETED and log.end_time is not None:
        raise InvalidInput(N_('end_time is set by completing the problem'), field='end_time')


def _notify_transition(session: Session, actor: Actor, log: CTPProblemLog, kind: NotificationType | None,
                       changed: set[str]) -> set[int]:
    machine = session.get(CTPMachine, log.machine_id)
    assert machine is not None
    if kind is None and 'vendor_called_at' in changed and log.vendor_called_at is not None:
        kind = NotificationType.VENDOR_CALLED
    if kind is None:
        return set()
    scope = notifications.recipients_in_scope(session, log.machine_id)
    if kind == NotificationType.PROBLEM_ACKNOWLEDGED:
        users = ({log.created_by} & scope) | notifications.admins(session)
    elif kind == NotificationType.PROBLEM_CANCELLED:
        users = notifications.notified_about(session, log.id, NotificationType.PROBLEM_CREATED)  # type: ignore[arg-type]
    else:
        users = scope
    users = {user for user in users if user is not None} - {actor.user_id}
    verb = {NotificationType.PROBLEM_ACKNOWLEDGED: 'acknowledged', NotificationType.PROBLEM_RESOLVED: 'resolved',
            NotificationType.PROBLEM_REOPENED: 'reopened', NotificationType.PROBLEM_CANCELLED: 'cancelled',
            NotificationType.VENDOR_CALLED: 'vendor called'}[kind]
    return notifications.notify(session, user_ids=users, machine_id=log.machine_id,  # type: ignore[arg-type]
                                log_id=log.id, kind=kind, message=_message(session, machine, log, verb))


def undo_report(session: Session, *, actor: Actor, log_id: int) -> Outcome:
    """The reporter takes a report back within UNDO_WINDOW: cancelled as reported by mistake, out of every KPI,
    its audit trail kept."""
    log = require_log_visible(session, actor, log_id)
    require_ability(actor, log, Ability.UNDO)
    if utcnow() - log.created_at > UNDO_WINDOW:
        raise Conflict(N_('a report can only be undone in the first 2 minutes; cancel it with a reason instead'))
    if log.status not in (ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS):
        raise Conflict(N_('only an open problem can be undone'))
    changes = ProblemLogUpdate(status=ProblemStatus.CANCELLED, reason=UNDO_REASON)
    return update_problem(session, actor=actor, log_id=log_id, changes=changes)


@rolls_back
def delete_problem(session: Session, *, actor: Actor, log_id: int) -> None:
    """Admin only: a soft delete with the effects of cancel; the audit trail stays."""
    log = require_log_editable(session, actor, log_id)
    require(actor, Action.DELETE_PROBLEM)
    was_open = log.status in (ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS)
    before = rollup.span_of(session, log)
    log.deleted_at = log.updated_at = utcnow()
    if was_open:
        log.status = ProblemStatus.CANCELLED
        log.cancel_reason = log.cancel_reason or 'deleted'
    downtime.void_segments(session, log_id)
    log.downtime_minutes = 0
    rollup.refresh_problem(session, log, before)
    audit.record(session, log_id=log_id, actor_id=actor.user_id, action=AuditAction.DELETE)
    photo_files = photos.detach_all(session, actor_id=actor.user_id, log_id=log_id)
    downtime.refresh_machine_status(session, log.machine_id)
    session.commit()
    photos.remove_files(photo_files)
    _announce(Outcome(log=log))


_MESSAGES = {  # per verb: the stored notification's template (translated when read)
    'reported': N_('{machine}: {what} reported · machine {status}'),
    'acknowledged': N_('{machine}: {what} acknowledged · machine {status}'),
    'resolved': N_('{machine}: {what} resolved · machine {status}'),
    'reopened': N_('{machine}: {what} reopened · machine {status}'),
    'cancelled': N_('{machine}: {what} cancelled · machine {status}'),
    'vendor called': N_('{machine}: {what} vendor called · machine {status}')}


def _message(session: Session, machine: CTPMachine, log: CTPProblemLog, verb: str) -> str:
    """'Kodak: Plate jam resolved · machine RUNNING': the machine's state now (its status is already refreshed);
    stored as template and parameters, so each reader sees it in their own language."""
    what = taxonomy.category_info(session, log.category_id).label if log.category_id else N_('problem')
    status = MACHINE_WORDS.get(machine.status, machine.status.upper())
    return notifications.stored(_MESSAGES[verb], words=('status',) if log.category_id else ('what', 'status'),
                                machine=machine.name, what=what, status=status)


def _announce(outcome: Outcome) -> None:
    events.publish_all([(events.problem_log_changed, outcome.log.id),  # type: ignore[list-item]
                        (events.machine_changed, outcome.log.machine_id),
                        *notifications.changes_for(outcome.notified)])


__all__ = ['Outcome', 'report_problem', 'update_problem', 'undo_report', 'delete_problem', 'TechnicianType']
