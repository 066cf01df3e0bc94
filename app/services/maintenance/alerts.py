"""The periodic maintenance job: a meter reaching its interval sets the due date (whichever comes first), a task
becoming due or overdue notifies once each, and a date-anchored task whose next date has come is marked missed."""
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from app import events
from app.config import get_settings
from app.db import select_rows
from app.i18n import N_
from app.models import CTPMachine, MaintenanceOrder, MaintenanceTask, NotificationType, utcnow
from app.services import notifications
from app.services.maintenance import orders, work
from app.services.maintenance.recurrence import next_calendar_due

MESSAGES = {  # stored as template and parameters (notifications.stored): each reader sees them in their language
    NotificationType.MAINTENANCE_DUE: N_('{machine}: maintenance due · {title}'),
    NotificationType.MAINTENANCE_OVERDUE: N_('{machine}: maintenance overdue · {title}')}


def run(session: Session, now: datetime | None = None) -> set[int]:
    """One pass over the pending orders; returns the machines whose badge may have changed."""
    now = now or utcnow()
    rows = select_rows(session, select(MaintenanceOrder, MaintenanceTask)
                       .join(MaintenanceTask, col(MaintenanceTask.id) == col(MaintenanceOrder.task_id))
                       .where(col(MaintenanceOrder.status).in_(orders.PENDING), col(MaintenanceTask.active))).all()
    changed: set[int] = set()
    notified: set[int] = set()
    for order, task in rows:
        if _roll_missed(session, task, order, now):
            changed.add(order.machine_id)
            continue
        notified |= _notify(session, task, order, now, changed)
    session.commit()
    notifications.publish_for(notified)
    events.publish_all([(events.machine_changed, machine_id) for machine_id in sorted(changed)])
    return changed


def _roll_missed(session: Session, task: MaintenanceTask, order: MaintenanceOrder, now: datetime) -> bool:
    """A date-anchored order not started when the next one is due is missed; the next one takes its place."""
    rule = orders.calendar_rule(task)
    if task.anchor != 'due' or rule is None or order.status != 'planned' or order.due_at is None:
        return False
    if next_calendar_due(rule, order.due_at, get_settings().zone) > now:
        return False
    order.status = 'missed'
    session.add(order)
    following = work.schedule_next(session, task, order, now, from_due=True)
    while following.due_at is not None and next_calendar_due(rule, following.due_at, get_settings().zone) <= now:
        following.due_at = next_calendar_due(rule, following.due_at, get_settings().zone)  # long closed: catch up
    return True


def _notify(session: Session, task: MaintenanceTask, order: MaintenanceOrder, now: datetime,
            changed: set[int]) -> set[int]:
    use = orders.meter_use(session, task, order.meter_from)
    if use is not None and use.reached_at is not None and (order.due_at is None or use.reached_at < order.due_at):
        order.due_at = use.reached_at  # whichever comes first: the meter was reached before the date
        session.add(order)
    state = orders.state_of(session, task, order, now).state
    kind = None
    if state == 'overdue' and order.notified_overdue_at is None:
        kind, order.notified_overdue_at = NotificationType.MAINTENANCE_OVERDUE, now
        order.notified_due_at = order.notified_due_at or now
    elif state == 'due' and order.notified_due_at is None:
        kind, order.notified_due_at = NotificationType.MAINTENANCE_DUE, now
    if kind is None:
        return set()
    session.add(order)
    changed.add(order.machine_id)
    machine = session.get(CTPMachine, order.machine_id)
    message = notifications.stored(MESSAGES[kind], machine=machine.name if machine else '?', title=task.title)
    users = notifications.recipients_in_scope(session, order.machine_id)
    return notifications.notify(session, user_ids=users, machine_id=order.machine_id, log_id=None, kind=kind,
                                message=message, what=task.title)
