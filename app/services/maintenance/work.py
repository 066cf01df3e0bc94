"""Doing maintenance: start a work order (its planned stop when the machine is stopped), tick steps and type
readings (checked against their limits), complete or skip with a reason; then the next order is scheduled.

A task that stops the machine is logged as a planned stopping problem (DOMAIN.md §3) through the problem
services, so the machine's status, downtime and KPIs come from problems as always (planned time stays out of
MTTR/MTBF)."""
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from app import events
from app.config import get_settings
from app.db import pk, rolls_back, select_rows
from app.errors import Conflict, InvalidInput
from app.models import (
    Category,
    MaintenanceOrder,
    MaintenanceReading,
    MaintenanceStep,
    MaintenanceTask,
    MeterReading,
    ProblemStatus,
    ResolvedBy,
    utcnow,
)
from app.models.maintenance_schemas import OrderPublic, ReadingIn, ReadingPublic
from app.models.schemas import ProblemLogCreate, ProblemLogUpdate
from app.services import problem_logs
from app.services.access import Action, Actor, require, require_log_visible
from app.services.jmf.counters import increase
from app.services.maintenance import orders
from app.services.maintenance.limits import out_of_limits, problem_text
from app.services.maintenance.recurrence import first_calendar_due, next_calendar_due

STOP_TEXT = 'Planned maintenance: {title}'  # stored data (the problem's description), in the plant's log language


def open_first_order(session: Session, task: MaintenanceTask, now: datetime) -> MaintenanceOrder:
    """The first work order of a new task: its first calendar due date; meters count from now."""
    rule = orders.calendar_rule(task)
    due = first_calendar_due(rule, now, get_settings().zone) if rule else None
    order = MaintenanceOrder(task_id=task.id, machine_id=task.machine_id, due_at=due, meter_from=now)  # type: ignore[arg-type]
    session.add(order)
    return order


def schedule_next(session: Session, task: MaintenanceTask, order: MaintenanceOrder, finished: datetime,
                  *, from_due: bool) -> MaintenanceOrder:
    """The next work order after `order`: from its due date (per task, or always after a skip or a miss) or from
    the completion; meter use counts from the completion."""
    rule = orders.calendar_rule(task)
    anchor = order.due_at if (from_due or task.anchor == 'due') and order.due_at is not None else finished
    due = next_calendar_due(rule, anchor, get_settings().zone) if rule else None
    following = MaintenanceOrder(task_id=task.id, machine_id=task.machine_id, due_at=due, meter_from=finished)  # type: ignore[arg-type]
    session.add(following)
    return following


def _workable(session: Session, actor: Actor, order_id: int) -> tuple[MaintenanceOrder, MaintenanceTask]:
    require(actor, Action.DO_MAINTENANCE)
    order = orders.get_order(session, actor=actor, order_id=order_id, lock=True)
    if order.status not in orders.PENDING:
        raise Conflict(f'this task is already {order.status}')
    task = session.get(MaintenanceTask, order.task_id)
    assert task is not None
    return order, task


@rolls_back
def start_order(session: Session, *, actor: Actor, order_id: int) -> OrderPublic:
    """Start a work order; a task that needs the machine stopped opens its planned stop now."""
    order, task = _workable(session, actor, order_id)
    if order.status == 'in_progress':
        return orders.public(session, actor, order, with_readings=True)
    now = utcnow()
    order.status, order.started_at, order.started_by = 'in_progress', now, actor.user_id
    session.add(order)
    if task.needs_stop:
        body = ProblemLogCreate(machine_id=task.machine_id, problem_description=STOP_TEXT.format(title=task.title),
                                category_id=_planned_category(session), is_stopping=True, is_planned=True)
        order.log_id = problem_logs.report_problem(session, actor=actor, problem_in=body).log.id  # commits
    session.commit()
    events.publish(events.machine_changed, order.machine_id)
    return orders.public(session, actor, order, with_readings=True)


def _planned_category(session: Session) -> int | None:
    """The "Planned maintenance" subsystem of the taxonomy, when it has one."""
    return select_rows(session, select(pk(Category.id)).where(
        col(Category.parent_id).is_(None), col(Category.is_planned_default), col(Category.active))
        .order_by(col(Category.sort))).scalars().first()


@rolls_back
def record_reading(session: Session, *, actor: Actor, order_id: int, reading_in: ReadingIn) -> ReadingPublic:
    """Tick a step or type a reading; a value outside the step's limits is flagged and gets a problem text."""
    order, _task = _workable(session, actor, order_id)
    step = session.get(MaintenanceStep, reading_in.step_id)
    if step is None or step.task_id != order.task_id:
        raise InvalidInput('this step is not part of the task', field='step_id')
    if step.unit is not None and reading_in.value is None and reading_in.checked:
        raise InvalidInput('type the reading', field='value')
    row = select_rows(session, select(MaintenanceReading).where(
        col(MaintenanceReading.order_id) == order.id, col(MaintenanceReading.step_id) == step.id)).scalars().first()
    row = row or MaintenanceReading(order_id=order.id, step_id=step.id)  # type: ignore[arg-type]
    row.value = reading_in.value if step.unit is not None else None
    row.checked = reading_in.checked or row.value is not None
    row.out_of_limits = out_of_limits(step, row.value)
    row.at = utcnow()
    session.add(row)
    session.commit()
    return ReadingPublic(step_id=step.id, checked=row.checked, value=row.value,
                         out_of_limits=row.out_of_limits, problem_text=problem_text(step, row.value))


@rolls_back
def complete_order(session: Session, *, actor: Actor, order_id: int, note: str = '') -> OrderPublic:
    """Done: closes the planned stop, feeds typed meter readings, schedules the next order."""
    order, task = _workable(session, actor, order_id)
    now = utcnow()
    if order.started_at is None:
        order.started_at, order.started_by = now, actor.user_id
    order.status, order.done_at, order.done_by, order.note = 'done', now, actor.user_id, note.strip()
    _feed_meters(session, order, now)
    schedule_next(session, task, order, now, from_due=False)
    session.add(order)
    session.commit()
    _close_stop(session, actor, order, ProblemLogUpdate(
        status=ProblemStatus.COMPLETED, solution=STOP_TEXT.format(title=task.title) + ' – done',
        resolved_by=ResolvedBy.INTERNAL_TECHNICIAN))
    events.publish(events.machine_changed, order.machine_id)
    return orders.public(session, actor, order, with_readings=True)


@rolls_back
def skip_order(session: Session, *, actor: Actor, order_id: int, reason: str) -> OrderPublic:
    """Skipped with a reason: counts as due and not done; the next one counts from this one's due date."""
    order, task = _workable(session, actor, order_id)
    if not reason.strip():
        raise InvalidInput('give a reason to skip a task', field='reason')
    now = utcnow()
    order.status, order.skip_reason, order.done_by = 'skipped', reason.strip(), actor.user_id
    order.done_at = now
    schedule_next(session, task, order, now, from_due=True)
    session.add(order)
    session.commit()
    # the machine did stand still until now: its planned stop ends here (any colleague may end it, team work)
    _close_stop(session, actor, order, ProblemLogUpdate(
        status=ProblemStatus.COMPLETED, solution=f'{STOP_TEXT.format(title=task.title)} – skipped: {reason.strip()}',
        resolved_by=ResolvedBy.INTERNAL_TECHNICIAN))
    events.publish(events.machine_changed, order.machine_id)
    return orders.public(session, actor, order)


def _close_stop(session: Session, actor: Actor, order: MaintenanceOrder, changes: ProblemLogUpdate) -> None:
    if order.log_id is None:
        return
    log = require_log_visible(session, actor, order.log_id)
    if log.status in (ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS):
        problem_logs.update_problem(session, actor=actor, log_id=order.log_id, changes=changes)


def _feed_meters(session: Session, order: MaintenanceOrder, now: datetime) -> None:
    """Readings of steps that feed a meter (typed on the tablet) become the machine's meter readings."""
    rows = select_rows(session, select(MaintenanceReading, MaintenanceStep)
                       .join(MaintenanceStep, col(MaintenanceStep.id) == col(MaintenanceReading.step_id))
                       .where(col(MaintenanceReading.order_id) == order.id, col(MaintenanceStep.meter).is_not(None),
                              col(MaintenanceReading.value).is_not(None))).all()
    for reading, step in rows:
        previous = select_rows(session, select(col(MeterReading.value)).where(
            col(MeterReading.machine_id) == order.machine_id, col(MeterReading.meter) == step.meter)
            .order_by(col(MeterReading.at).desc(), col(MeterReading.id).desc()).limit(1)).scalars().first()
        # the WHERE keeps steps without a meter and readings without a value out: neither is None here
        session.add(MeterReading(machine_id=order.machine_id, meter=step.meter, at=now, value=reading.value,  # type: ignore[arg-type]
                                 delta=increase(previous, reading.value), unit=step.unit or ''))  # type: ignore[arg-type]
