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
from sqlmodel import Session, col

from app import events
from app.config import get_settings
from app.db import rolls_back, select_rows
from app.errors import Conflict, InvalidInput
from app.i18n import N_
from app.models import (
    AuditAction,
    CTPMachine,
    CTPProblemLog,
    NotificationType,
    PhotoKind,
    ProblemStatus,
    ResolvedBy,
    TechnicianType,
    utcnow,
)
from app.models.schemas import ProblemLogCreate, ProblemLogUpdate
from app.services import audit, downtime, notifications, problem_steps, rollup, taxonomy, teamwork
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
from app.services.jmf.open_stops import described, open_stop
from app.services.photos import (
    PreparedPhoto,
    add_photos,
    check_count,
    check_day_bytes,
    detach_all,
    discard,
    remove_files,
    settle,
)
from app.services.time_bounds import CLOCK_SKEW, check_client_times

UNDO_REASON = N_('reported by mistake (undone by the reporter)')  # stored as is; screens say it in theirs
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
def report_problem(session: Session, *, actor: Actor, problem_in: ProblemLogCreate,
                   photos: list[PreparedPhoto] | None = None) -> Outcome:
    """Report a problem on a machine in scope; a replayed client_key returns the original problem. Prepared
    `photos` are written in the problem's own transaction; on any failure, or when no new problem is created (a
    replayed key, a joined machine stop), their files go."""
    prepared = photos or []
    try:
        if prepared:
            check_count(0, len(prepared))
            check_day_bytes(session, actor.user_id, sum(photo.size_bytes for photo in prepared))
        outcome = _report(session, actor, problem_in, prepared)
    except BaseException:
        discard(prepared)
        raise
    if outcome.created:
        settle(prepared)
    else:
        discard(prepared)   # a replayed key: the first request's photos are the problem's photos
    return outcome


def _report(session: Session, actor: Actor, problem_in: ProblemLogCreate, prepared: list[PreparedPhoto]) -> Outcome:
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
        outcome = _insert(session, actor, machine, log, prepared)
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
    stop = open_stop(session, problem_in.machine_id)
    log = session.get(CTPProblemLog, stop.log_id) if stop is not None and stop.log_id is not None else None
    if stop is None or log is None or log.status not in (ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS):
        return None
    changes = ProblemLogUpdate(problem_description=described(log, problem_in.problem_description),
                               category_id=problem_in.category_id or log.category_id)
    log = update_problem(session, actor=actor, log_id=log.id, changes=changes).log  # type: ignore[arg-type]
    if problem_in.category_id is not None:
        stop.explained_at, stop.explained_by = utcnow(), actor.user_id
        session.add(stop)
        session.commit()
    return log


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


def _insert(session: Session, actor: Actor, machine: CTPMachine, log: CTPProblemLog,
            prepared: list[PreparedPhoto]) -> Outcome:
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
                         kind=NotificationType.PROBLEM_CREATED,
                         message=problem_steps.message(session, machine, log, 'reported'))
    if prepared:
        add_photos(session, actor, log.id, prepared, PhotoKind.BEFORE)  # type: ignore[arg-type]  # flushed: has an id
    session.commit()
    return Outcome(log=log, created=True, notified=recipients)


def _replay(session: Session, client_key: str, request_hash: str, actor: Actor) -> CTPProblemLog | None:
    existing = select_rows(session, select(CTPProblemLog)
                           .where(col(CTPProblemLog.client_key) == client_key)).scalars().first()
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
    kind = problem_steps.transition(session, actor, log, changes, now)
    handed = teamwork.hand_over(session, actor, log, changes.owner_id) if changes.owner_id else None
    problem_steps.validate_times(log, now)
    if not changed and kind is None and handed is None:
        return Outcome(log=log)
    log.updated_at = now
    downtime.rebuild_segments(session, log)
    downtime.refresh_downtime_cache(session, log)
    rollup.refresh_problem(session, log, before)
    downtime.refresh_machine_status(session, log.machine_id)
    notified = problem_steps.notify_transition(session, actor, log, kind, changed) | (handed or set())
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
    photo_files = detach_all(session, actor_id=actor.user_id, log_id=log_id)
    downtime.refresh_machine_status(session, log.machine_id)
    session.commit()
    remove_files(photo_files)
    _announce(Outcome(log=log))


def _announce(outcome: Outcome) -> None:
    events.publish_all([(events.problem_log_changed, outcome.log.id),  # type: ignore[list-item]
                        (events.machine_changed, outcome.log.machine_id),
                        *notifications.changes_for(outcome.notified)])


__all__ = ['Outcome', 'report_problem', 'update_problem', 'undo_report', 'delete_problem', 'TechnicianType']
