"""A short machine stop becomes a counted micro-stop: the problem it opened goes, and so do its notifications and
the outbound alerts not yet sent (nobody is left with a bell or an e-mail about a stop that never was a problem)."""
from sqlalchemy import select
from sqlmodel import Session

from app import events
from app.models import AlertOutbox, AlertSubscription, CTPMachine, CTPNotification, Role
from app.services.jmf import stops
from tests.app.test_jmf_stops import at, plant, problems, signal  # noqa: F401  (plant is a fixture)
from tests.factories import make_user


def test_a_dropped_micro_stop_leaves_no_notification_or_pending_alert(
        session: Session, plant: tuple[CTPMachine, int]) -> None:  # noqa: F811
    machine, link = plant
    tech = make_user(session, 'tech', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    session.add(AlertSubscription(user_id=tech.id, channel_kind='email', address='tech@example.com'))  # type: ignore[arg-type]
    session.commit()
    signal(session, link, 'Stopped', at(0), 'PaperJam')
    assert session.exec(select(CTPNotification).where(CTPNotification.user_id == tech.id)).scalars().all()
    assert session.exec(select(AlertOutbox)).scalars().all()  # the stop did notify while it lasted
    published: list[tuple[str, int]] = []
    events.add_forwarder(lambda name, value: published.append((name, value)))
    signal(session, link, 'Running', at(0.5))
    session.expire_all()
    assert problems(session) == []
    assert session.exec(select(CTPNotification)).scalars().all() == []
    assert [row.status for row in session.exec(select(AlertOutbox)).scalars()] == []
    assert ('notifications_changed', tech.id) in published  # the bell drops the count at once
    assert stops.micro_stop_count(session, machine.id, at(-1), at(1)) == 1  # type: ignore[arg-type]


def test_a_long_stop_keeps_its_notifications(session: Session, plant: tuple[CTPMachine, int]) -> None:  # noqa: F811
    machine, link = plant
    tech = make_user(session, 'tech', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    signal(session, link, 'Down', at(0), 'BreakDown')
    signal(session, link, 'Running', at(5))
    session.expire_all()
    assert session.exec(select(CTPNotification).where(CTPNotification.user_id == tech.id)).scalars().all()
