"""Escalation by the plant's rules (issue 23): N minutes -> the shift's lead, M -> the managers, vendor late ->
admins; each once per problem and never after the problem is taken. The clock is pinned and moved."""
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select, update
from sqlmodel import Session

from app.models import AlertOutbox, AlertSubscription, EscalationRule, Role, ShiftRoster, utcnow
from app.services import escalation, notifications
from tests.factories import actor, change, make_machine, make_user, report

pytestmark = pytest.mark.dates

ESCALATIONS = 'not_acknowledged vendor_not_arrived'


@pytest.fixture
def plant(session: Session):  # type: ignore[no-untyped-def]
    magnus = make_machine(session, 'Magnus')
    tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    lead = make_user(session, 'lead', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    manager = make_user(session, 'manager', Role.MANAGER)
    admin = make_user(session, 'boss', Role.ADMIN)
    for weekday in range(7):  # the lead is on every shift
        session.add(ShiftRoster(name='Day', weekday=weekday, start_minute=0, end_minute=1440, lead_user_id=lead.id,
                                member_ids=str(tech.id)))
    for person in (lead, manager, admin):
        session.add(AlertSubscription(user_id=person.id, channel_kind='email',  # type: ignore[arg-type]
                                      address=f'{person.username}@plant.example', event_kinds=ESCALATIONS))
    session.commit()
    return magnus, tech, lead, manager, admin


def told(session: Session) -> list[str]:
    rows = [row.destination.split('@')[0] for row in session.exec(select(AlertOutbox).order_by(AlertOutbox.id))
            .scalars()]
    session.commit()
    return rows


def at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def test_an_untaken_stop_goes_to_the_lead_at_10_and_the_managers_at_30_minutes_once(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    magnus, tech, lead, manager, _ = plant
    start = utcnow()
    with at(start):
        log_id = report(session, tech, magnus)
    with at(start + timedelta(minutes=9, seconds=59)):
        assert escalation.escalate(session) == 0
    with at(start + timedelta(minutes=10)):
        assert escalation.escalate(session) == 1
        assert escalation.escalate(session) == 0
    assert told(session) == ['lead']
    with at(start + timedelta(minutes=29)):
        assert escalation.escalate(session) == 0
    with at(start + timedelta(minutes=30)):
        assert escalation.escalate(session) == 1
    with at(start + timedelta(hours=5)):
        assert escalation.escalate(session) == 0
    assert told(session) == ['lead', 'manager']
    kinds = [i.notification_type for i in notifications.list_notifications(session, actor=actor(lead)).items]
    assert kinds.count('not_acknowledged') == 1 and log_id


def test_a_taken_stop_never_escalates(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    magnus, tech, lead, _, _ = plant
    start = utcnow()
    with at(start):
        log_id = report(session, tech, magnus)
    with at(start + timedelta(minutes=9)):
        change(session, lead, log_id, status='in_progress')
    with at(start + timedelta(minutes=45)):
        assert escalation.escalate(session) == 0
    assert told(session) == []


def test_after_the_lead_is_told_taking_it_stops_the_managers_alert(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    magnus, tech, lead, _, _ = plant
    start = utcnow()
    with at(start):
        log_id = report(session, tech, magnus)
    with at(start + timedelta(minutes=12)):
        escalation.escalate(session)
        change(session, lead, log_id, status='in_progress')
    with at(start + timedelta(minutes=40)):
        assert escalation.escalate(session) == 0
    assert told(session) == ['lead']


def test_without_a_lead_on_shift_the_managers_are_told(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    magnus, tech, _, _, _ = plant
    session.execute(update(ShiftRoster).values(lead_user_id=None))
    session.commit()
    start = utcnow()
    with at(start):
        report(session, tech, magnus)
    with at(start + timedelta(minutes=10)):
        escalation.escalate(session)
    assert told(session) == ['manager']


def test_a_vendor_not_arrived_in_the_contract_time_goes_to_the_admins(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    magnus, tech, lead, _, admin = plant
    session.execute(update(EscalationRule).where(EscalationRule.kind == 'not_acknowledged').values(enabled=False))
    session.execute(update(EscalationRule).where(EscalationRule.kind == 'vendor_not_arrived').values(minutes=120))
    session.commit()
    start = utcnow()
    with at(start):
        log_id = report(session, tech, magnus)
        change(session, lead, log_id, status='in_progress', vendor_called_at=start)
    with at(start + timedelta(minutes=119)):
        assert escalation.escalate(session) == 0
    with at(start + timedelta(minutes=120)):
        assert escalation.escalate(session) == 1
        assert escalation.escalate(session) == 0
    assert told(session) == ['boss']
    second = start + timedelta(minutes=121)
    with at(second):
        other = report(session, tech, magnus, description='second')
        change(session, lead, other, status='in_progress', vendor_called_at=second)
        change(session, lead, other, vendor_arrived_at=second)
    with at(second + timedelta(hours=3)):
        assert escalation.escalate(session) == 0


def test_night_shift_crosses_midnight(session: Session) -> None:
    night = ShiftRoster(name='Night', weekday=0, start_minute=22 * 60, end_minute=6 * 60)
    assert escalation.on_shift(night, 0, 23 * 60) and escalation.on_shift(night, 1, 5 * 60)
    assert not escalation.on_shift(night, 1, 7 * 60) and not escalation.on_shift(night, 0, 21 * 60)
