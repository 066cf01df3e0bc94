"""Work orders of maintenance tasks: where each stands (due soon, due, overdue), the due list of an actor's
machines, a machine's plan history, and the badge of a machine card or wall tile."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from app.config import get_settings
from app.db import select_rows
from app.errors import NotFound
from app.models import (
    CTPMachine,
    MaintenanceOrder,
    MaintenanceReading,
    MaintenanceStep,
    MaintenanceTask,
    MeterReading,
    utcnow,
)
from app.models.maintenance_schemas import OrderPublic, ReadingPublic
from app.services.access import ROLE_ACTIONS, Action, Actor, machine_scope, require, require_machine_visible
from app.services.maintenance.limits import problem_text
from app.services.maintenance.recurrence import CalendarRule, DueState, due_state, overdue_after

PENDING = ('planned', 'in_progress')


def calendar_rule(task: MaintenanceTask) -> CalendarRule | None:
    if task.every_n is None or task.every_unit is None:
        return None
    return CalendarRule(every=task.every_n, unit=task.every_unit, at_minute=task.at_minute, weekday=task.weekday,
                        month_day=task.month_day)


@dataclass(frozen=True)
class MeterUse:
    used: float
    reached_at: datetime | None  # when the use reached the task's interval


def meter_use(session: Session, task: MaintenanceTask, since: datetime | None) -> MeterUse | None:
    """The meter's increase since `since` (readings store their increase, a reset counting from zero)."""
    if task.meter is None or task.meter_every is None or since is None:
        return None
    rows = select_rows(session, select(col(MeterReading.at), col(MeterReading.delta)).where(
        col(MeterReading.machine_id) == task.machine_id, col(MeterReading.meter) == task.meter,
        col(MeterReading.at) > since)
        .order_by(col(MeterReading.at), col(MeterReading.id))).all()
    used, reached = 0.0, None
    for at, delta in rows:
        used += delta
        if reached is None and used >= task.meter_every:
            reached = at
    return MeterUse(used, reached)


def state_of(session: Session, task: MaintenanceTask, order: MaintenanceOrder, now: datetime) -> DueState:
    if order.status not in PENDING:
        return DueState(order.status, None, None)
    use = meter_use(session, task, order.meter_from)
    return due_state(now=now, zone=get_settings().zone, due_at=order.due_at, lead_days=task.lead_days,
                     meter_every=task.meter_every, meter_used=use.used if use else None,
                     meter_due_at=use.reached_at if use else None)


def on_time(order: MaintenanceOrder) -> bool | None:
    """Done before the plant-local day after its due day ended; None while it is not done or has no due date."""
    if order.status != 'done' or order.due_at is None or order.done_at is None:
        return None
    return order.done_at < overdue_after(order.due_at, get_settings().zone)


def may_work(actor: Actor) -> bool:
    return not actor.is_display and Action.DO_MAINTENANCE in ROLE_ACTIONS[actor.role]


def public(session: Session, actor: Actor, order: MaintenanceOrder, *, now: datetime | None = None,
           with_readings: bool = False) -> OrderPublic:
    task = session.get(MaintenanceTask, order.task_id)
    machine = session.get(CTPMachine, order.machine_id)
    assert task is not None and machine is not None
    state = state_of(session, task, order, now or utcnow())
    readings = _readings(session, order) if with_readings else []
    return OrderPublic(
        id=order.id, task_id=task.id, machine_id=machine.id, machine_name=machine.name, title=task.title,
        status=order.status, state=state.state, reason=state.reason, due_at=order.due_at, meter=task.meter,
        meter_every=task.meter_every, meter_used=state.meter_used, needs_stop=task.needs_stop,
        started_at=order.started_at, done_at=order.done_at, note=order.note, skip_reason=order.skip_reason,
        log_id=order.log_id, on_time=on_time(order), may_work=may_work(actor) and order.status in PENDING,
        readings=readings)


def _readings(session: Session, order: MaintenanceOrder) -> list[ReadingPublic]:
    rows = select_rows(session, select(MaintenanceReading, MaintenanceStep)
                       .join(MaintenanceStep, col(MaintenanceStep.id) == col(MaintenanceReading.step_id))
                       .where(col(MaintenanceReading.order_id) == order.id)).all()
    return [ReadingPublic(step_id=r.step_id, checked=r.checked, value=r.value, out_of_limits=r.out_of_limits,
                          problem_text=problem_text(step, r.value)) for r, step in rows]


def get_order(session: Session, *, actor: Actor, order_id: int, lock: bool = False) -> MaintenanceOrder:
    """The work order, if its machine is in the actor's scope; otherwise 404. `lock`: for a change, so two
    technicians tapping Start at once make one planned stop (PostgreSQL row lock; SQLite writes are serial)."""
    require(actor, Action.READ)
    order = session.get(MaintenanceOrder, order_id, with_for_update=lock)
    if order is None:
        raise NotFound(f'maintenance order {order_id} not found')
    try:
        require_machine_visible(session, actor, order.machine_id)
    except NotFound as error:
        raise NotFound(f'maintenance order {order_id} not found') from error
    return order


def read_order(session: Session, *, actor: Actor, order_id: int) -> OrderPublic:
    return public(session, actor, get_order(session, actor=actor, order_id=order_id), with_readings=True)


def due_list(session: Session, *, actor: Actor, machine_id: int | None = None,
             states: tuple[str, ...] = ('soon', 'due', 'overdue')) -> list[OrderPublic]:
    """Pending work orders of the actor's machines in these states: overdue first, then by due date."""
    require(actor, Action.READ)
    query = (select(MaintenanceOrder)
             .join(MaintenanceTask, col(MaintenanceTask.id) == col(MaintenanceOrder.task_id))
             .where(col(MaintenanceOrder.status).in_(PENDING), col(MaintenanceTask.active),
                    machine_scope(session, actor, col(MaintenanceOrder.machine_id))))
    if machine_id is not None:
        require_machine_visible(session, actor, machine_id)
        query = query.where(col(MaintenanceOrder.machine_id) == machine_id)
    now = utcnow()
    rows = [public(session, actor, order, now=now) for order in select_rows(session, query).scalars()]
    rank = {'overdue': 0, 'due': 1, 'soon': 2, 'upcoming': 3}
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted((r for r in rows if r.state in states), key=lambda r: (rank[r.state], r.due_at or far, r.id))


def history(session: Session, *, actor: Actor, machine_id: int, limit: int = 50) -> list[OrderPublic]:
    """A machine's finished work orders, newest first."""
    require_machine_visible(session, actor, machine_id)
    rows = select_rows(session, select(MaintenanceOrder).where(
        col(MaintenanceOrder.machine_id) == machine_id, col(MaintenanceOrder.status).not_in(PENDING))
        .order_by(col(MaintenanceOrder.done_at).desc(), col(MaintenanceOrder.due_at).desc(),
                  col(MaintenanceOrder.id).desc())
        .limit(limit)).scalars()
    return [public(session, actor, order) for order in rows]


def badges(session: Session, machine_ids: list[int], now: datetime | None = None) -> dict[int, str]:
    """Per machine: 'overdue' or 'due' when a task of its plan is (machines with neither are left out)."""
    if not machine_ids:
        return {}
    now = now or utcnow()
    rows = select_rows(session, select(MaintenanceOrder, MaintenanceTask)
                       .join(MaintenanceTask, col(MaintenanceTask.id) == col(MaintenanceOrder.task_id))
                       .where(col(MaintenanceOrder.status).in_(PENDING), col(MaintenanceTask.active),
                              col(MaintenanceOrder.machine_id).in_(machine_ids))).all()
    result: dict[int, str] = {}
    for order, task in rows:
        state = state_of(session, task, order, now).state
        if state == 'overdue' or (state == 'due' and result.get(order.machine_id) != 'overdue'):
            result[order.machine_id] = state
    return result


def steps_of(session: Session, task_id: int) -> list[MaintenanceStep]:
    return list(select_rows(session, select(MaintenanceStep).where(col(MaintenanceStep.task_id) == task_id)
                            .order_by(col(MaintenanceStep.sort), col(MaintenanceStep.id))).scalars())
