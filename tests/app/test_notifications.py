"""Notifications: recipients, scope at read time, read/unread, auto-read after 7 days, escalation."""
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import Session

from app.errors import NotFound
from app.models import Role, utcnow
from app.services import notifications, users
from tests.factories import actor, complete, make_machine, make_user, report


@pytest.fixture
def plant(session: Session):  # type: ignore[no-untyped-def]
    magnus, avalon = make_machine(session, 'Magnus'), make_machine(session, 'Avalon')
    tech1 = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    tech2 = make_user(session, 'tech2', Role.CTP_USER, [magnus.id, avalon.id])  # type: ignore[list-item]
    return magnus, avalon, tech1, tech2, make_user(session, 'boss', Role.ADMIN)


def test_new_and_resolved_problems_notify_users_in_scope(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    magnus, avalon, tech1, tech2, admin = plant
    log_id = report(session, tech2, magnus)
    report(session, tech2, avalon)
    page = notifications.list_notifications(session, actor=actor(tech1))
    assert page.unread == 1 and page.items[0].notification_type == 'problem_created'
    assert 'Magnus' in page.items[0].message
    complete(session, tech2, log_id)
    assert notifications.unread_count(session, actor=actor(tech1)) == 2
    assert notifications.unread_count(session, actor=actor(admin)) == 3
    assert notifications.unread_count(session, actor=actor(tech2)) == 0  # not told about own actions


def test_mark_read_one_and_all_and_never_someone_elses(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    magnus, _, tech1, tech2, admin = plant
    report(session, tech2, magnus)
    report(session, tech2, magnus)
    mine = notifications.list_notifications(session, actor=actor(tech1)).items
    notifications.mark_read(session, actor=actor(tech1), notification_id=mine[0].id)
    assert notifications.unread_count(session, actor=actor(tech1)) == 1
    admins = notifications.list_notifications(session, actor=actor(admin)).items
    with pytest.raises(NotFound):
        notifications.mark_read(session, actor=actor(tech1), notification_id=admins[0].id)
    assert notifications.mark_all_read(session, actor=actor(tech1)) == 1
    page = notifications.list_notifications(session, actor=actor(tech1), include_read=True)
    assert page.unread == 0 and page.total == 2 and all(i.read_at for i in page.items)


def test_unassigned_users_stop_seeing_a_machines_notifications(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    magnus, avalon, tech1, tech2, admin = plant
    report(session, tech2, magnus)
    users.set_assignments(session, actor=actor(admin), user_id=tech1.id, machine_ids=[avalon.id])  # type: ignore[arg-type]
    assert notifications.list_notifications(session, actor=actor(tech1), include_read=True).total == 0


@pytest.mark.dates  # tests/clock.py: CI runs it at every pinned moment
def test_notifications_older_than_seven_days_count_as_read_before_and_after_the_job(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    magnus, _, tech1, tech2, _ = plant
    created = utcnow() - timedelta(days=8)
    with time_machine.travel(created, tick=False):
        report(session, tech2, magnus, start=created)
    with time_machine.travel(created + timedelta(days=7) - timedelta(minutes=1), tick=False):
        assert notifications.unread_count(session, actor=actor(tech1)) == 1
    assert notifications.unread_count(session, actor=actor(tech1)) == 0
    item = notifications.list_notifications(session, actor=actor(tech1), include_read=True).items[0]
    assert item.is_read and item.read_at == created + timedelta(days=7)
    assert notifications.auto_read_job(session) >= 1
    stored = notifications.list_notifications(session, actor=actor(tech1), include_read=True).items[0]
    assert stored.is_read and stored.read_at == created + timedelta(days=7)
