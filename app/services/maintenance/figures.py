"""Maintenance figures over a window: PM compliance (done on time ÷ due), overdue count, planned vs unplanned
downtime, and MTBF before and after a plan changed.

An order counts as due in the window when its due date lies in it and its day is over (or it was finished). It is
on time when done before the plant-local day after its due day; skipped and missed orders are due and not done."""
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from app.config import get_settings
from app.db import not_null, pk, select_rows
from app.models import CTPMachine, MaintenanceOrder, MaintenanceTask, utcnow
from app.models.maintenance_schemas import FigurePublic
from app.services import stats
from app.services.access import Action, Actor, machine_scope, require
from app.services.maintenance import orders
from app.services.maintenance.recurrence import overdue_after


def compliance(session: Session, ids: list[int], start: datetime, end: datetime, now: datetime) -> tuple[int, int, int]:
    """(due, on time, skipped or missed) of the machines' orders due in [start, end)."""
    rows = select_rows(session, select(MaintenanceOrder).where(
        col(MaintenanceOrder.machine_id).in_(ids), not_null(MaintenanceOrder.due_at) >= start,
        not_null(MaintenanceOrder.due_at) < end, col(MaintenanceOrder.status) != 'cancelled')).scalars()
    zone = get_settings().zone
    due = on_time = skipped = 0
    for order in rows:
        finished = order.status not in orders.PENDING
        if not finished and overdue_after(order.due_at, zone) > now:  # type: ignore[arg-type]  # WHERE has a due date
            continue  # its day is not over: not yet due for the figure
        due += 1
        on_time += bool(orders.on_time(order))
        skipped += order.status in ('skipped', 'missed')
    return due, on_time, skipped


def overdue_count(session: Session, ids: list[int], now: datetime) -> int:
    rows = select_rows(session, select(MaintenanceOrder, MaintenanceTask)
                       .join(MaintenanceTask, col(MaintenanceTask.id) == col(MaintenanceOrder.task_id))
                       .where(col(MaintenanceOrder.machine_id).in_(ids), col(MaintenanceTask.active),
                              col(MaintenanceOrder.status).in_(orders.PENDING))).all()
    return sum(orders.state_of(session, task, order, now).state == 'overdue' for order, task in rows)


def figures(session: Session, *, actor: Actor, start: datetime, end: datetime,
            machine_ids: list[int] | None = None, now: datetime | None = None) -> FigurePublic:
    """The maintenance figures of the actor's machines (or these of them) over [start, end)."""
    require(actor, Action.READ_STATS)
    now = now or utcnow()
    query = select(pk(CTPMachine.id)).where(machine_scope(session, actor, col(CTPMachine.id)))
    if machine_ids is not None:
        query = query.where(col(CTPMachine.id).in_(machine_ids))
    ids = list(select_rows(session, query).scalars())
    due, on_time, skipped = compliance(session, ids, start, end, now)
    per_machine = stats.compute(session, ids, start, end, now)
    total = stats.plant_totals(per_machine) if per_machine else None
    before, after, changed = _mtbf_around_change(session, ids, now)
    return FigurePublic(due=due, on_time=on_time, compliance=on_time / due if due else None, skipped=skipped,
                        overdue=overdue_count(session, ids, now),
                        planned_minutes=total.planned_downtime_minutes if total else 0.0,
                        unplanned_minutes=total.unplanned_downtime_minutes if total else 0.0,
                        mtbf_before_minutes=before, mtbf_after_minutes=after, plan_changed_at=changed)


def _mtbf_around_change(session: Session, ids: list[int], now: datetime) -> tuple[float | None, float | None,
                                                                                   datetime | None]:
    """Plant MTBF over equal windows (up to 90 days) before and after the latest plan change."""
    changed = select_rows(session, select(col(MaintenanceTask.changed_at))
                          .where(col(MaintenanceTask.machine_id).in_(ids))
                          .order_by(col(MaintenanceTask.changed_at).desc()).limit(1)).scalars().first()
    if changed is None or changed >= now or not ids:
        return None, None, changed
    span = min(now - changed, timedelta(days=90))
    before = stats.plant_totals(stats.compute(session, ids, changed - span, changed, now))
    after = stats.plant_totals(stats.compute(session, ids, changed, changed + span, now))
    return before.mtbf_minutes, after.mtbf_minutes, changed


def per_machine(session: Session, ids: list[int], start: datetime, end: datetime,
                now: datetime) -> dict[int | None, tuple[int, int, float | None, int]]:
    """(due, on time, compliance, overdue) per machine and for all of them (key None), for the exports."""
    result: dict[int | None, tuple[int, int, float | None, int]] = {}
    totals = [0, 0, 0]
    for machine_id in ids:
        due, on_time, _skipped = compliance(session, [machine_id], start, end, now)
        overdue = overdue_count(session, [machine_id], now)
        result[machine_id] = (due, on_time, on_time / due if due else None, overdue)
        totals = [totals[0] + due, totals[1] + on_time, totals[2] + overdue]
    result[None] = (totals[0], totals[1], totals[1] / totals[0] if totals[0] else None, totals[2])
    return result
