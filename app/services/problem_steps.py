"""The problem's lifecycle steps (DOMAIN.md §4): the allowed status changes and what each does, the time checks
after an edit, and whom a change notifies. problem_logs.update_problem applies them in its transaction."""
from datetime import datetime

from sqlmodel import Session

from app.errors import Conflict, InvalidInput
from app.i18n import N_
from app.models import (
    AuditAction,
    CTPMachine,
    CTPProblemLog,
    DowntimeSegment,
    NotificationType,
    ProblemStatus,
)
from app.models.schemas import ProblemLogUpdate
from app.services import audit, downtime, notifications, taxonomy
from app.services.access import Actor
from app.services.time_bounds import CLOCK_SKEW

MACHINE_WORDS = {'down': 'DOWN', 'maintenance': 'MAINTENANCE', 'degraded': 'DEGRADED', 'operational': 'RUNNING',
                 'retired': 'RETIRED'}  # the wall's words, one casing


def transition(session: Session, actor: Actor, log: CTPProblemLog, changes: ProblemLogUpdate,
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
    return NotificationType.PROBLEM_RESOLVED  # the running segment ends at end_time: downtime.rebuild_segments


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


def validate_times(log: CTPProblemLog, now: datetime) -> None:
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


def notify_transition(session: Session, actor: Actor, log: CTPProblemLog, kind: NotificationType | None,
                       changed: set[str]) -> set[int]:
    machine = session.get(CTPMachine, log.machine_id)
    assert machine is not None
    if kind is None and 'vendor_called_at' in changed and log.vendor_called_at is not None:
        kind = NotificationType.VENDOR_CALLED
    if kind is None:
        return set()
    scope = notifications.recipients_in_scope(session, log.machine_id)
    if kind == NotificationType.PROBLEM_ACKNOWLEDGED:
        users = {user for user in scope if user == log.created_by} | notifications.admins(session)
    elif kind == NotificationType.PROBLEM_CANCELLED:
        users = notifications.notified_about(session, log.id, NotificationType.PROBLEM_CREATED)  # type: ignore[arg-type]
    else:
        users = scope
    users = {user for user in users if user is not None} - {actor.user_id}
    verb = {NotificationType.PROBLEM_ACKNOWLEDGED: 'acknowledged', NotificationType.PROBLEM_RESOLVED: 'resolved',
            NotificationType.PROBLEM_REOPENED: 'reopened', NotificationType.PROBLEM_CANCELLED: 'cancelled',
            NotificationType.VENDOR_CALLED: 'vendor called'}[kind]
    return notifications.notify(session, user_ids=users, machine_id=log.machine_id,
                                log_id=log.id, kind=kind, message=message(session, machine, log, verb))


_MESSAGES = {  # per verb: the stored notification's template (translated when read)
    'reported': N_('{machine}: {what} reported · machine {status}'),
    'acknowledged': N_('{machine}: {what} acknowledged · machine {status}'),
    'resolved': N_('{machine}: {what} resolved · machine {status}'),
    'reopened': N_('{machine}: {what} reopened · machine {status}'),
    'cancelled': N_('{machine}: {what} cancelled · machine {status}'),
    'vendor called': N_('{machine}: {what} vendor called · machine {status}')}


def message(session: Session, machine: CTPMachine, log: CTPProblemLog, verb: str) -> str:
    """'Kodak: Plate jam resolved · machine RUNNING': the machine's state now (its status is already refreshed);
    stored as template and parameters, so each reader sees it in their own language."""
    what = taxonomy.category_info(session, log.category_id).label if log.category_id else N_('problem')
    status = MACHINE_WORDS.get(machine.status, machine.status.upper())
    return notifications.stored(_MESSAGES[verb], words=('status',) if log.category_id else ('what', 'status'),
                                machine=machine.name, what=what, status=status)
