"""Preventive maintenance services: the due list, doing a task with readings and its planned stop, skip and late
completion, meters, notifications, compliance on a hand-computed case, and the calendar feed."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select
from sqlmodel import Session

from app.errors import NotFound, PermissionDenied
from app.models import CTPMachine, CTPNotification, CTPProblemLog, MaintenanceOrder, MeterReading, Role, User
from app.models.maintenance_schemas import ReadingIn, StepIn, TaskIn
from app.services import stats
from app.services.maintenance import alerts, feed, figures, orders, plans, templates, work
from tests.factories import actor, make_machine, make_user, seeded_category

pytestmark = pytest.mark.dates
T0 = datetime(2027, 1, 4, 5, 0, tzinfo=UTC)  # Monday 06:00 in Berlin


def _bath_task(machine: CTPMachine, **fields: object) -> TaskIn:
    spec: dict[str, object] = {
        'machine_id': machine.id, 'title': 'Developer bath change', 'every_n': 1, 'every_unit': 'week', 'weekday': 0,
        'at_minute': 6 * 60, 'needs_stop': True, 'steps': [
            StepIn(label='Drain the old developer'),
            StepIn(label='Developer conductivity', unit='mS/cm', min_value=70, max_value=90),
            StepIn(label='Bath temperature', unit='°C', min_value=22, max_value=25)]}
    spec.update(fields)
    return TaskIn(**spec)  # type: ignore[arg-type]


@pytest.fixture
def setup(session: Session) -> tuple[CTPMachine, CTPMachine, User, User, User]:
    seeded_category(session, 'Planned maintenance')
    m1, m2 = make_machine(session, 'Processor A'), make_machine(session, 'Processor B')
    admin = make_user(session, 'adm', Role.ADMIN)
    tech = make_user(session, 'tech', Role.CTP_USER, [m1.id])  # type: ignore[list-item]
    manager = make_user(session, 'mgr', Role.MANAGER)
    return m1, m2, admin, tech, manager


def test_bath_change_with_readings_opens_and_closes_a_planned_stop(session: Session, setup: tuple) -> None:
    m1, _m2, admin, tech, _mgr = setup
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        task = plans.create_task(session, actor=actor(admin), task_in=_bath_task(m1))
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        due = orders.due_list(session, actor=actor(tech))
        assert [(o.title, o.state) for o in due] == [('Developer bath change', 'due')]
        started = work.start_order(session, actor=actor(tech), order_id=due[0].id)
        stop = session.get(CTPProblemLog, started.log_id)
        assert stop is not None and stop.is_planned and stop.is_stopping
        assert session.get(CTPMachine, m1.id).status == 'maintenance'  # type: ignore[union-attr]
        conductivity = task.steps[1].id
        reading = work.record_reading(session, actor=actor(tech), order_id=due[0].id,
                                      reading_in=ReadingIn(step_id=conductivity, value=95.5))
        assert reading.out_of_limits
        assert reading.problem_text == 'Developer conductivity: 95.5 mS/cm (limits 70–90 mS/cm)'
        ok = work.record_reading(session, actor=actor(tech), order_id=due[0].id,
                                 reading_in=ReadingIn(step_id=task.steps[2].id, value=23.5))
        assert not ok.out_of_limits and ok.problem_text is None
    with time_machine.travel(T0 + timedelta(minutes=50), tick=False):
        done = work.complete_order(session, actor=actor(tech), order_id=due[0].id, note='new chemistry')
        assert done.status == 'done' and done.on_time
        session.refresh(stop)
        assert stop.status == 'completed' and session.get(CTPMachine, m1.id).status == 'operational'  # type: ignore[union-attr]
        figures_now = stats.compute(session, [m1.id], T0 - timedelta(hours=1), T0 + timedelta(hours=1),  # type: ignore[list-item]
                                    T0 + timedelta(minutes=50))[m1.id]  # type: ignore[index]
        assert round(figures_now.planned_downtime_minutes) == 45 and figures_now.unplanned_downtime_minutes == 0
        upcoming = orders.due_list(session, actor=actor(tech), states=('upcoming',))
        assert upcoming[0].due_at == T0 + timedelta(weeks=1)


def test_skip_needs_a_reason_and_counts_from_the_due_date(session: Session, setup: tuple) -> None:
    m1, _m2, admin, tech, _mgr = setup
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        plans.create_task(session, actor=actor(admin), task_in=_bath_task(m1, needs_stop=False, anchor='completion'))
    with time_machine.travel(T0 + timedelta(days=2), tick=False):  # Wednesday: late
        order = orders.due_list(session, actor=actor(tech))[0]
        assert order.state == 'overdue'
        skipped = work.skip_order(session, actor=actor(tech), order_id=order.id, reason='no chemistry in stock')
        assert skipped.status == 'skipped' and skipped.skip_reason == 'no chemistry in stock'
        nxt = orders.due_list(session, actor=actor(tech), states=('upcoming', 'soon', 'due', 'overdue'))[0]
        assert nxt.due_at == T0 + timedelta(weeks=1)  # from the due date, not from the skip


def test_late_completion_anchored_on_completion(session: Session, setup: tuple) -> None:
    m1, _m2, admin, tech, _mgr = setup
    task_in = _bath_task(m1, needs_stop=False, anchor='completion', every_unit='day', every_n=3, weekday=None)
    with time_machine.travel(T0 - timedelta(hours=1), tick=False):
        plans.create_task(session, actor=actor(admin), task_in=task_in)
    with time_machine.travel(T0 + timedelta(days=1, hours=9), tick=False):  # Tuesday 15:00 local: late
        order = orders.due_list(session, actor=actor(tech))[0]
        done = work.complete_order(session, actor=actor(tech), order_id=order.id)
        assert done.on_time is False
        nxt = orders.due_list(session, actor=actor(tech), states=('upcoming', 'soon', 'due', 'overdue'))[0]
        assert nxt.due_at == T0 + timedelta(days=4)  # Tuesday + 3 days, at 06:00


def test_meter_trigger_counts_across_a_counter_reset(session: Session, setup: tuple) -> None:
    m1, _m2, admin, tech, _mgr = setup
    task_in = _bath_task(m1, every_n=None, every_unit=None, weekday=None, meter='production', meter_every=1000)
    with time_machine.travel(T0, tick=False):
        plans.create_task(session, actor=actor(admin), task_in=task_in)
    for minutes, value, delta in ((10, 5600, 0), (20, 6200, 600), (30, 150, 150), (40, 400, 250)):  # reset at 30
        session.add(MeterReading(machine_id=m1.id, meter='production', at=T0 + timedelta(minutes=minutes),  # type: ignore[arg-type]
                                 value=value, delta=delta))
    session.commit()
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        order = orders.due_list(session, actor=actor(tech))[0]
        assert (order.state, order.reason, order.meter_used) == ('due', 'meter', 1000)


def test_job_notifies_due_then_overdue_once_and_marks_missed(session: Session, setup: tuple) -> None:
    m1, _m2, admin, tech, _mgr = setup
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        plans.create_task(session, actor=actor(admin), task_in=_bath_task(m1, needs_stop=False))
    for moment in (T0 + timedelta(hours=1), T0 + timedelta(hours=2), T0 + timedelta(days=1), T0 + timedelta(days=2)):
        with time_machine.travel(moment, tick=False):
            alerts.run(session)
    kinds = session.exec(select(CTPNotification.notification_type).where(
        CTPNotification.user_id == tech.id)).scalars().all()
    assert sorted(kinds) == ['maintenance_due', 'maintenance_overdue']
    with time_machine.travel(T0 + timedelta(days=7, hours=1), tick=False):
        alerts.run(session)
    statuses = session.exec(select(MaintenanceOrder.status).order_by(MaintenanceOrder.id)).scalars().all()
    assert statuses == ['missed', 'planned']


def test_compliance_on_a_hand_computed_case(session: Session, setup: tuple) -> None:
    """Due in the window: on time, late, skipped, missed, overdue = 5, one on time → 20 %; one due today is not yet
    counted (its day is not over)."""
    m1, _m2, admin, tech, _mgr = setup
    with time_machine.travel(T0 - timedelta(days=30), tick=False):
        task = plans.create_task(session, actor=actor(admin), task_in=_bath_task(m1, needs_stop=False))
    for order in session.exec(select(MaintenanceOrder)).scalars().all():
        session.delete(order)
    day = timedelta(days=1)
    rows = [('done', T0, T0 + timedelta(hours=3)), ('done', T0 + day, T0 + 3 * day), ('skipped', T0 + 2 * day, None),
            ('missed', T0 + 3 * day, None), ('planned', T0 + 4 * day, None), ('planned', T0 + 6 * day, None)]
    for status, due, done in rows:
        session.add(MaintenanceOrder(task_id=task.id, machine_id=m1.id, status=status, due_at=due, done_at=done))  # type: ignore[arg-type]
    session.commit()
    now = T0 + 6 * day + timedelta(hours=1)  # the order due at T0+4d is overdue; the one due today is not yet
    result = figures.figures(session, actor=actor(admin), start=T0 - day, end=T0 + 7 * day, now=now)
    assert (result.due, result.on_time, result.skipped, result.overdue) == (5, 1, 2, 1)
    assert result.compliance == pytest.approx(0.2)


def test_scope_and_roles(session: Session, setup: tuple) -> None:
    m1, m2, admin, tech, manager = setup
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        plans.create_task(session, actor=actor(admin), task_in=_bath_task(m1, needs_stop=False))
        other = plans.create_task(session, actor=actor(admin), task_in=_bath_task(m2, needs_stop=False))
        with pytest.raises(PermissionDenied):
            plans.create_task(session, actor=actor(tech), task_in=_bath_task(m1))
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        assert {o.machine_name for o in orders.due_list(session, actor=actor(tech))} == {'Processor A'}
        assert len(orders.due_list(session, actor=actor(manager))) == 2
        mine = orders.due_list(session, actor=actor(manager))[0]
        with pytest.raises(PermissionDenied):
            work.start_order(session, actor=actor(manager), order_id=mine.id)
        hidden = session.exec(select(MaintenanceOrder.id).where(MaintenanceOrder.task_id == other.id)).scalars().one()
        with pytest.raises(NotFound):
            work.start_order(session, actor=actor(tech), order_id=hidden)
        assert orders.badges(session, [m1.id, m2.id]) == {m1.id: 'due', m2.id: 'due'}  # type: ignore[list-item]


def test_starting_plan_is_marked_as_template(session: Session, setup: tuple) -> None:
    m1, _m2, admin, _tech, _mgr = setup
    with time_machine.travel(T0, tick=False):
        added = templates.apply_starting_plan(session, actor=actor(admin), machine_id=m1.id)  # type: ignore[arg-type]
    assert len(added) == 6 and all(task.template for task in added)


def test_calendar_feed_secret_and_revocation(session: Session, setup: tuple) -> None:
    m1, _m2, admin, tech, _mgr = setup
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        plans.create_task(session, actor=actor(admin), task_in=_bath_task(m1, needs_stop=False))
        url = feed.new_feed(session, actor=actor(tech))
        token = url.rsplit('/', 1)[1].removesuffix('.ics')
        ics = feed.feed_ics(session, token=token).decode()
        assert 'SUMMARY:Processor A: Developer bath change' in ics and 'DTSTART:20270104T050000Z' in ics
        feed.revoke_feeds(session, actor=actor(tech))
        with pytest.raises(NotFound):
            feed.feed_ics(session, token=token)


def test_demo_history_gives_meaningful_figures(session: Session, setup: tuple) -> None:
    import random

    from app.services.maintenance import demo_history
    m1, m2, admin, _tech, _mgr = setup
    with time_machine.travel(T0, tick=False):
        written = demo_history.seed(session, [m1, m2], random.Random(7))
        result = figures.figures(session, actor=actor(admin), start=T0 - timedelta(days=90), end=T0)
        due_now = orders.due_list(session, actor=actor(admin), states=('upcoming', 'soon', 'due', 'overdue'))
    assert written > 200 and result.due > 150
    assert 0.6 < (result.compliance or 0) < 0.95 and result.skipped > 0
    assert len(due_now) == 12 and sum(o.state == "overdue" for o in due_now) == 1  # one per task; one late


def test_a_plan_per_model_is_applied_to_its_machines(session: Session, setup: tuple) -> None:
    m1, m2, admin, _tech, _mgr = setup
    m1.maker_model = m2.maker_model = 'Kodak Magnus Q800'
    session.add_all([m1, m2])
    session.commit()
    with time_machine.travel(T0, tick=False):
        plans.create_task(session, actor=actor(admin), task_in=_bath_task(m1))
        copied = plans.copy_plan(session, actor=actor(admin), from_machine_id=m1.id)  # type: ignore[arg-type]
        again = plans.copy_plan(session, actor=actor(admin), from_machine_id=m1.id)  # type: ignore[arg-type]
    assert [(t.machine_id, t.title, len(t.steps)) for t in copied] == [(m2.id, 'Developer bath change', 3)]
    assert again == []


def test_readings_typed_on_the_tablet_feed_a_meter_trigger(session: Session, setup: tuple) -> None:
    """The daily check's plate counter (typed, with a reset) drives the bath change every 1,000 plates."""
    m1, _m2, admin, tech, _mgr = setup
    daily = TaskIn(machine_id=m1.id, title='Daily check', every_n=1, every_unit='day', at_minute=6 * 60,  # type: ignore[arg-type]
                   steps=[StepIn(label='Plate counter', unit='plates', meter='production')])
    bath = TaskIn(machine_id=m1.id, title='Bath change', meter='production', meter_every=1000)  # type: ignore[arg-type]
    with time_machine.travel(T0 - timedelta(hours=1), tick=False):
        check = plans.create_task(session, actor=actor(admin), task_in=daily)
        plans.create_task(session, actor=actor(admin), task_in=bath)
    for day, counter in enumerate((5000, 5600, 300, 700)):  # the counter was reset after 5,600
        with time_machine.travel(T0 + timedelta(days=day, minutes=10), tick=False):
            order = next(o for o in orders.due_list(session, actor=actor(tech)) if o.title == 'Daily check')
            work.record_reading(session, actor=actor(tech), order_id=order.id,
                                reading_in=ReadingIn(step_id=check.steps[0].id, value=counter))
            work.complete_order(session, actor=actor(tech), order_id=order.id)
    with time_machine.travel(T0 + timedelta(days=3, minutes=20), tick=False):
        states = {o.title: (o.state, o.meter_used) for o in orders.due_list(
            session, actor=actor(tech), states=('upcoming', 'soon', 'due', 'overdue'))}
    assert states['Bath change'] == ('due', 1300)  # 600 + 300 + 400


def test_a_colleague_skips_a_started_task_and_its_planned_stop_ends(session: Session, setup: tuple) -> None:
    m1, _m2, admin, tech, _mgr = setup
    peer = make_user(session, 'peer', Role.CTP_USER, [m1.id])  # type: ignore[list-item]
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        plans.create_task(session, actor=actor(admin), task_in=_bath_task(m1))
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        order = orders.due_list(session, actor=actor(tech))[0]
        log_id = work.start_order(session, actor=actor(tech), order_id=order.id).log_id
    with time_machine.travel(T0 + timedelta(minutes=35), tick=False):
        work.skip_order(session, actor=actor(peer), order_id=order.id, reason='pump broken, vendor called')
    stop = session.get(CTPProblemLog, log_id)
    session.refresh(stop)
    assert stop.status == 'completed' and stop.downtime_minutes == 30  # type: ignore[union-attr]
    assert session.get(CTPMachine, m1.id).status == 'operational'  # type: ignore[union-attr]
