"""Escalation by the plant's rules (issue 23): a stop nobody took in N minutes goes to the shift's lead, in M minutes
to the managers; a vendor called but not arrived in the contract's time goes to the admins.

Each rule fires once per problem (escalations_fired is unique per problem and rule; the alerts' idempotency keys
are per problem, rule and subscription) and never once the problem is taken (acknowledged) or the vendor is there.
The people told get an in-app notification and, through it, their alert subscriptions.
"""
import logging
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col

from app.config import get_settings
from app.db import pk, select_rows
from app.i18n import N_
from app.models import (
    OPEN_STATUSES,
    CTPMachine,
    CTPProblemLog,
    EscalationFired,
    EscalationRule,
    NotificationType,
    ProblemStatus,
    Role,
    ShiftRoster,
    User,
    utcnow,
)
from app.services import notifications
from app.services.alerts import split_ids

logger = logging.getLogger(__name__)
KINDS = {'not_acknowledged': NotificationType.NOT_ACKNOWLEDGED,
         'vendor_not_arrived': NotificationType.VENDOR_NOT_ARRIVED}


def escalate(session: Session) -> int:
    """Fire every enabled rule that is due, once per problem; returns how many fired."""
    now = utcnow()
    fired = 0
    told: set[int] = set()
    rules = list(select_rows(session, select(EscalationRule).where(col(EscalationRule.enabled))
                             .order_by(col(EscalationRule.minutes), pk(EscalationRule.id))).scalars())
    for rule in rules:
        for log in _due(session, rule, now):
            try:
                told |= _fire(session, rule, log, now)
                session.commit()
                fired += 1
            except IntegrityError:  # another app process fired it first
                session.rollback()
    notifications.publish_for(told)
    return fired


def _due(session: Session, rule: EscalationRule, now: datetime) -> list[CTPProblemLog]:
    cutoff = now - timedelta(minutes=rule.minutes)
    not_fired = ~exists().where(col(EscalationFired.log_id) == pk(CTPProblemLog.id),
                                col(EscalationFired.rule_id) == rule.id)
    live = [col(CTPProblemLog.deleted_at).is_(None), not_fired]
    where: list[ColumnElement[bool] | Mapped[bool]]
    if rule.kind == 'not_acknowledged':
        where = [col(CTPProblemLog.status) == ProblemStatus.OPEN, col(CTPProblemLog.acknowledged_at).is_(None),
                 col(CTPProblemLog.is_stopping), col(CTPProblemLog.is_planned).is_(False),
                 col(CTPProblemLog.created_at) <= cutoff]
    else:
        where = [col(CTPProblemLog.status).in_(OPEN_STATUSES), col(CTPProblemLog.vendor_called_at).is_not(None),
                 col(CTPProblemLog.vendor_arrived_at).is_(None), col(CTPProblemLog.vendor_called_at) <= cutoff]
    query = select(CTPProblemLog).where(*live, *where).order_by(pk(CTPProblemLog.id))
    return list(select_rows(session, query).scalars())


def _fire(session: Session, rule: EscalationRule, log: CTPProblemLog, now: datetime) -> set[int]:
    session.add(EscalationFired(log_id=log.id, rule_id=rule.id, fired_at=now))  # type: ignore[arg-type]
    session.flush()
    machine = session.get(CTPMachine, log.machine_id)
    since = log.created_at if rule.kind == 'not_acknowledged' else log.vendor_called_at
    minutes = int((now - since).total_seconds() // 60) if since else rule.minutes
    template = N_('{machine}: stop not acknowledged for {minutes} min') if rule.kind == 'not_acknowledged' \
        else N_('{machine}: vendor not arrived for {minutes} min')
    message = notifications.stored(template, machine=machine.name if machine else '?', minutes=minutes)
    targets = targets_for(session, rule.target, now)
    logger.info('escalation rule %s fired for problem %s to %s', rule.id, log.id, sorted(targets))
    return notifications.notify(session, user_ids=targets, machine_id=log.machine_id, log_id=log.id,
                                kind=KINDS[rule.kind], message=message, alert_key=f'esc:{log.id}:{rule.id}')


def targets_for(session: Session, target: str, now: datetime) -> set[int]:
    """The people a rule tells: the lead of the shift on now (else the managers, else the admins), the managers
    (else the admins) or the admins."""
    if target == 'shift_lead' and (leads := _active(session, shift_leads(session, now))):
        return leads
    if target in ('shift_lead', 'managers') and (managers := _role(session, Role.MANAGER)):
        return managers
    return _role(session, Role.ADMIN)


def shift_leads(session: Session, now: datetime) -> set[int]:
    """Leads of the roster's shifts running at `now` (plant time; a shift whose end is not after its start runs
    past midnight into the next day)."""
    local = now.astimezone(get_settings().zone)
    minute, weekday = local.hour * 60 + local.minute, local.weekday()
    leads = set()
    for shift in select_rows(session, select(ShiftRoster)).scalars():
        if shift.lead_user_id is not None and on_shift(shift, weekday, minute):
            leads.add(shift.lead_user_id)
    return leads


def on_shift(shift: ShiftRoster, weekday: int, minute: int) -> bool:
    if shift.start_minute < shift.end_minute:
        return shift.weekday == weekday and shift.start_minute <= minute < shift.end_minute
    return ((shift.weekday == weekday and minute >= shift.start_minute)
            or ((shift.weekday + 1) % 7 == weekday and minute < shift.end_minute))


def shift_members(shift: ShiftRoster) -> set[int]:
    return split_ids(shift.member_ids)


def _active(session: Session, user_ids: set[int]) -> set[int]:
    if not user_ids:
        return set()
    return set(select_rows(session, select(pk(User.id)).where(pk(User.id).in_(sorted(user_ids)),
                                                              col(User.is_active))).scalars())


def _role(session: Session, role: Role) -> set[int]:
    return set(select_rows(session, select(pk(User.id)).where(col(User.is_active), col(User.role) == role)).scalars())
