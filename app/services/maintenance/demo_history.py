"""The demo plant's maintenance: the starting plan on every plate line and four months of work orders (mostly on
time, some late, a few skipped or missed, readings with the odd value out of limits), so the figures mean something."""
import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col

from app.config import get_settings
from app.db import pk, select_rows
from app.models import (
    CTPMachine,
    MaintenanceOrder,
    MaintenanceReading,
    MaintenanceStep,
    MaintenanceTask,
    utcnow,
)
from app.models.maintenance_schemas import TaskIn
from app.services.maintenance import orders
from app.services.maintenance.limits import out_of_limits
from app.services.maintenance.recurrence import first_calendar_due, next_calendar_due
from app.services.maintenance.templates import PLATESETTER, PROCESSOR

HISTORY_DAYS = 120


def seed(session: Session, machines: list[CTPMachine], rng: random.Random, now: datetime | None = None) -> int:
    """The starting plan on each machine with its history; returns how many work orders were written."""
    now = now or utcnow()
    start = now - timedelta(days=HISTORY_DAYS)
    written = 0
    for machine in machines:
        for spec in (*PLATESETTER, *PROCESSOR):
            task_in = TaskIn(machine_id=machine.id, **spec)
            task = MaintenanceTask(**task_in.model_dump(exclude={'steps'}), template=True, created_at=start,
                                   changed_at=start)
            session.add(task)
            session.flush()
            steps = [MaintenanceStep(task_id=task.id, sort=i, **step.model_dump())  # type: ignore[arg-type]
                     for i, step in enumerate(task_in.steps)]
            session.add_all(steps)
            session.flush()
            written += _orders(session, task, steps, rng, start, now)
    _one_overdue(session, machines[-1], now)
    session.commit()
    return written


def _one_overdue(session: Session, machine: CTPMachine, now: datetime) -> None:
    """One machine's optics cleaning is two days late, so the board shows the badge."""
    pending = select_rows(session, select(MaintenanceOrder).where(col(MaintenanceOrder.machine_id) == machine.id,
                                                                  col(MaintenanceOrder.status) == 'planned')
                          .order_by(col(MaintenanceOrder.id))).scalars().first()
    if pending is not None:
        pending.due_at = now - timedelta(days=2)
        session.add(pending)


def _orders(session: Session, task: MaintenanceTask, steps: list[MaintenanceStep], rng: random.Random,
            start: datetime, now: datetime) -> int:
    """The task's history, written in bulk (thousands of rows at the demo's first start), then its pending order."""
    rule = orders.calendar_rule(task)
    assert rule is not None
    zone = get_settings().zone
    due, last = first_calendar_due(rule, start, zone), start
    rows: list[dict[str, Any]] = []  # the bulk insert's column values
    while due < now - timedelta(hours=2):  # history up to two hours ago: the board shows a few due, not all
        roll = rng.random()
        status, done = ('done', due + timedelta(hours=rng.uniform(0, 8))) if roll < 0.8 else \
            ('done', due + timedelta(days=rng.uniform(1, 3))) if roll < 0.9 else \
            ('skipped', due + timedelta(hours=2)) if roll < 0.96 else ('missed', None)
        done = min(done, now - timedelta(hours=1)) if done else None
        rows.append({'task_id': task.id, 'machine_id': task.machine_id, 'status': status, 'due_at': due,
                     'meter_from': last, 'done_at': done, 'created_at': last, 'note': '',
                     'skip_reason': 'Chemistry delivery late' if status == 'skipped' else None})
        last = done or due
        due = next_calendar_due(rule, due if task.anchor == 'due' or done is None else done, zone)
    if rows:
        session.execute(insert(MaintenanceOrder.__table__), rows)  # type: ignore[attr-defined]
        ids = dict(select_rows(session, select(col(MaintenanceOrder.due_at), pk(MaintenanceOrder.id))
                               .where(col(MaintenanceOrder.task_id) == task.id)).all())
        readings = [reading for row in rows if row['status'] == 'done'
                    for reading in _readings(ids[row['due_at']], steps, rng, row['done_at'])]
        if readings:
            session.execute(insert(MaintenanceReading.__table__), readings)  # type: ignore[attr-defined]
    session.add(MaintenanceOrder(task_id=task.id, machine_id=task.machine_id, due_at=due, meter_from=last,  # type: ignore[arg-type]
                                 created_at=last))
    return len(rows) + 1


def _readings(order_id: int, steps: list[MaintenanceStep], rng: random.Random,
              at: datetime) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for step in steps:
        value = None
        if step.unit is not None and step.min_value is not None and step.max_value is not None:
            span = step.max_value - step.min_value
            value = round(rng.uniform(step.min_value - 0.1 * span, step.max_value + 0.05 * span), 1)
        rows.append({'order_id': order_id, 'step_id': step.id, 'checked': True, 'value': value,
                     'out_of_limits': out_of_limits(step, value), 'at': at})
    return rows
