"""Maintenance notices in the reader's language: the due and overdue notifications are stored as template and
parameters (each reader reads them in their own language, the task's title as the planner wrote it), and the alert
they send says what falls due instead of 'Problem reported'."""
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select
from sqlmodel import Session

from app import i18n
from app.models import AlertOutbox, AlertSubscription, CTPMachine, Role, User
from app.models.maintenance_schemas import TaskIn
from app.services import notifications
from app.services.maintenance import alerts, plans
from tests.factories import actor, make_machine, make_user

T0 = datetime(2027, 1, 4, 5, 0, tzinfo=UTC)  # Monday 06:00 in Berlin: the weekly task falls due


@pytest.fixture
def plant(session: Session) -> tuple[CTPMachine, User]:
    machine = make_machine(session, 'Processor A')
    admin = make_user(session, 'adm', Role.ADMIN)
    tech = make_user(session, 'tech', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        plans.create_task(session, actor=actor(admin), task_in=TaskIn(
            machine_id=machine.id, title='Developer bath change', every_n=1, every_unit='week',  # type: ignore[arg-type]
            weekday=0, at_minute=6 * 60, needs_stop=False))
    return machine, tech


def _messages(session: Session, tech: User, language: str) -> list[str]:
    with i18n.language(language):
        page = notifications.list_notifications(session, actor=actor(tech), include_read=True)
    return [item.message for item in page.items]


def test_due_and_overdue_notices_read_in_the_readers_language(session: Session, plant: tuple) -> None:
    _machine, tech = plant
    for moment in (T0 + timedelta(hours=1), T0 + timedelta(days=2)):
        with time_machine.travel(moment, tick=False):
            alerts.run(session)
            assert _messages(session, tech, 'de')[0].startswith('Processor A: Wartung ')
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        assert _messages(session, tech, 'de') == ['Processor A: Wartung überfällig · Developer bath change',
                                                  'Processor A: Wartung fällig · Developer bath change']
        assert _messages(session, tech, 'en') == ['Processor A: maintenance overdue · Developer bath change',
                                                  'Processor A: maintenance due · Developer bath change']


def test_a_due_task_alerts_in_the_subscribers_language_naming_the_task(session: Session, plant: tuple) -> None:
    _machine, tech = plant
    tech.language = 'de'
    session.add(tech)
    session.add(AlertSubscription(user_id=tech.id, channel_kind='email', address='tech@plant.example',  # type: ignore[arg-type]
                                  event_kinds='', machine_ids=''))
    session.commit()
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        alerts.run(session)
    payload = json.loads(session.exec(select(AlertOutbox.payload)).scalars().one())  # type: ignore[call-overload]
    assert payload['kind'] == 'maintenance_due' and payload['title'] == 'Wartung fällig an Processor A'
    assert ['Was', 'Developer bath change'] in payload['facts']
