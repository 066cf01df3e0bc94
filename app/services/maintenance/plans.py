"""Maintenance plans: a machine's tasks with their checklist steps; admins manage them. The starting plan for new
platesetters and processors is a template to be checked against the vendors' manuals."""
from sqlalchemy import delete, select
from sqlmodel import Session, col

from app import events
from app.db import pk, rolls_back, select_rows
from app.errors import NotFound
from app.models import CTPMachine, MaintenanceOrder, MaintenanceStep, MaintenanceTask, utcnow
from app.models.maintenance_schemas import OrderPublic, StepIn, StepPublic, TaskIn, TaskPublic
from app.services.access import Action, Actor, require, require_machine_visible
from app.services.maintenance import orders, work

TRIGGER_FIELDS = ('every_n', 'every_unit', 'weekday', 'month_day', 'at_minute', 'meter', 'meter_every', 'anchor')


def task_public(session: Session, task: MaintenanceTask) -> TaskPublic:
    steps = [StepPublic.model_validate(step, from_attributes=True) for step in orders.steps_of(session, task.id)]  # type: ignore[arg-type]
    return TaskPublic.model_validate({**task.model_dump(), 'steps': steps})


def list_plan(session: Session, *, actor: Actor, machine_id: int, include_inactive: bool = False) -> list[TaskPublic]:
    """A machine's plan: its tasks with their steps."""
    require_machine_visible(session, actor, machine_id)
    query = select(MaintenanceTask).where(col(MaintenanceTask.machine_id) == machine_id)
    if not include_inactive:
        query = query.where(col(MaintenanceTask.active))
    return [task_public(session, task)
            for task in select_rows(session, query.order_by(col(MaintenanceTask.id))).scalars()]


def get_task(session: Session, *, actor: Actor, task_id: int) -> MaintenanceTask:
    task = session.get(MaintenanceTask, task_id)
    if task is None:
        raise NotFound(f'maintenance task {task_id} not found')
    try:
        require_machine_visible(session, actor, task.machine_id)
    except NotFound as error:
        raise NotFound(f'maintenance task {task_id} not found') from error
    return task


@rolls_back
def create_task(session: Session, *, actor: Actor, task_in: TaskIn, template: bool = False) -> TaskPublic:
    """Admins add a task to a machine's plan; its first work order is scheduled at once."""
    require(actor, Action.ADMINISTER)
    require_machine_visible(session, actor, task_in.machine_id)
    task = MaintenanceTask(**task_in.model_dump(exclude={'steps'}), template=template)
    session.add(task)
    session.flush()
    _replace_steps(session, task, task_in.steps)
    if task.active:
        work.open_first_order(session, task, utcnow())
    session.commit()
    events.publish(events.machine_changed, task.machine_id)  # its card's maintenance badge
    return task_public(session, task)


@rolls_back
def update_task(session: Session, *, actor: Actor, task_id: int, task_in: TaskIn) -> TaskPublic:
    """Admins change a task; a changed trigger re-schedules the pending order and marks the plan as changed."""
    require(actor, Action.ADMINISTER)
    task = get_task(session, actor=actor, task_id=task_id)
    if task_in.machine_id != task.machine_id:
        require_machine_visible(session, actor, task_in.machine_id)
    before = {name: getattr(task, name) for name in TRIGGER_FIELDS}
    for name, value in task_in.model_dump(exclude={'steps'}).items():
        setattr(task, name, value)
    task.template = False  # checked and changed by a person
    _replace_steps(session, task, task_in.steps)
    now = utcnow()
    pending = select_rows(session, select(MaintenanceOrder).where(
        col(MaintenanceOrder.task_id) == task.id, col(MaintenanceOrder.status) == 'planned')).scalars().all()
    if before != {name: getattr(task, name) for name in TRIGGER_FIELDS} or not task.active:
        task.changed_at = now
        for order in pending:
            session.delete(order)
        pending = []
    if task.active and not pending and not _in_progress(session, task.id):  # type: ignore[arg-type]
        work.open_first_order(session, task, now)
    session.add(task)
    session.commit()
    events.publish(events.machine_changed, task.machine_id)
    return task_public(session, task)


def _in_progress(session: Session, task_id: int) -> bool:
    return select_rows(session, select(col(MaintenanceOrder.id)).where(
        col(MaintenanceOrder.task_id) == task_id, col(MaintenanceOrder.status) == 'in_progress')).first() is not None


def _replace_steps(session: Session, task: MaintenanceTask, steps: list[StepIn]) -> None:
    """Steps are replaced as a list; readings keep their step only while it exists (edit = new checklist)."""
    kept = {(s.label, s.unit, s.min_value, s.max_value, s.meter): s for s in orders.steps_of(session, task.id)}  # type: ignore[arg-type]
    wanted = [(s.label, s.unit, s.min_value, s.max_value, s.meter) for s in steps]
    for key, step in kept.items():
        if key not in wanted:
            session.delete(step)
    for sort, key in enumerate(wanted):
        step = kept.get(key) or MaintenanceStep(task_id=task.id, label=key[0], unit=key[1], min_value=key[2],  # type: ignore[arg-type]
                                                max_value=key[3], meter=key[4])
        step.sort = sort
        session.add(step)


@rolls_back
def delete_task(session: Session, *, actor: Actor, task_id: int) -> None:
    """Admins retire a task: it leaves the plan, its history stays; its pending order goes."""
    require(actor, Action.ADMINISTER)
    task = get_task(session, actor=actor, task_id=task_id)
    task.active, task.changed_at = False, utcnow()
    session.execute(delete(MaintenanceOrder).where(col(MaintenanceOrder.task_id) == task_id,
                                                   col(MaintenanceOrder.status) == 'planned'))
    session.add(task)
    session.commit()
    events.publish(events.machine_changed, task.machine_id)


def order_view(session: Session, *, actor: Actor, order_id: int) -> tuple[OrderPublic, TaskPublic]:
    """What the task screen needs in one call: the work order with its readings, and its task with the steps."""
    order = orders.get_order(session, actor=actor, order_id=order_id)
    task = session.get(MaintenanceTask, order.task_id)
    assert task is not None
    return orders.public(session, actor, order, with_readings=True), task_public(session, task)


def same_model(session: Session, machine_id: int) -> list[int]:
    """The other machines in service of this machine's model (maker_model), for a plan per model."""
    machine = session.get(CTPMachine, machine_id)
    if machine is None or not machine.maker_model:
        return []
    return list(select_rows(session, select(pk(CTPMachine.id)).where(
        col(CTPMachine.maker_model) == machine.maker_model, col(CTPMachine.id) != machine_id,
        col(CTPMachine.retired_at).is_(None))).scalars())


def copy_plan(session: Session, *, actor: Actor, from_machine_id: int,
              to_machine_ids: list[int] | None = None) -> list[TaskPublic]:
    """Admins apply a machine's plan to other machines (default: the others of its model); a task whose title the
    target already has is left alone there."""
    require(actor, Action.ADMINISTER)
    source = list_plan(session, actor=actor, machine_id=from_machine_id)
    targets = same_model(session, from_machine_id) if to_machine_ids is None else to_machine_ids
    added = []
    for target in targets:
        have = {task.title for task in list_plan(session, actor=actor, machine_id=target)}
        for task in source:
            if task.title in have:
                continue
            spec = task.model_dump(exclude={'id', 'machine_id', 'template', 'steps'})
            steps = [StepIn(**step.model_dump(exclude={'id'})) for step in task.steps]
            added.append(create_task(session, actor=actor, template=task.template,
                                     task_in=TaskIn(**spec, machine_id=target, steps=steps)))
    return added
