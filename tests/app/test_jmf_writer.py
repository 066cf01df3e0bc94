"""The receiver's group commit: messages arriving together are stored in one transaction, each in its own
savepoint (one that fails rolls back only itself and gets its error), and screens hear of the stops only after
that commit."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import event, func, select
from sqlmodel import Session

from app import events
from app.db import get_engine, read_session
from app.errors import Conflict, PermissionDenied
from app.models import CTPMachine, DeviceLink, JmfSignal, MachineStop, MeterReading, Role
from app.services.jmf import links, writer
from app.services.jmf.messages import DeviceReport, Message
from tests.factories import actor, make_machine, make_user

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def job(link_id: int, machine_id: int, sender: str, status: str, minute: float, *details: str) -> writer.Job:
    when = T0 + timedelta(minutes=minute)
    info = DeviceReport(device_id='', status=status, status_details=details, device_condition='', sent_at=when,
                        production_counter=None, total_counter=None, hour_counter=minute, counter_unit='')
    return writer.Job(when, link_id=link_id, machine_id=machine_id, message=Message('jmf', sender, ('M',), (info,), 0))


@pytest.fixture
def plant(session: Session) -> list[tuple[int, int]]:
    """Three linked machines (MAGNUS, AVALON, SUPRA): (link id, machine id) each."""
    admin = make_user(session, 'boss', Role.ADMIN)
    result = []
    for name in ('MAGNUS', 'AVALON', 'SUPRA'):
        machine = make_machine(session, name)
        info, _ = links.create_link(session, actor=actor(admin), machine_id=machine.id, sender_id=name)  # type: ignore[arg-type]
        result.append((info.id, machine.id))  # type: ignore[arg-type]
    return result


def signals(machine_id: int) -> list[str]:
    with read_session() as session:
        return list(session.exec(select(JmfSignal.device_status).where(JmfSignal.machine_id == machine_id)
                                 .order_by(JmfSignal.at)).scalars())


@time_machine.travel(T0 + timedelta(minutes=10), tick=False)
def test_a_batch_is_one_transaction_and_a_failing_message_rolls_back_only_itself(
        session: Session, plant: list[tuple[int, int]]) -> None:
    (magnus, m1), (avalon, m2), (supra, m3) = plant
    retired = session.get(CTPMachine, m3)
    assert retired is not None
    retired.retired_at = T0
    session.add(retired)
    session.commit()
    commits: list[object] = []
    event.listen(get_engine(), 'commit', commits.append)
    jobs = [job(magnus, m1, 'MAGNUS', 'Running', 0), job(avalon, m2, 'SOMEONE-ELSE', 'Running', 0),
            job(supra, m3, 'SUPRA', 'Running', 0), job(supra, m3, 'SUPRA', 'Down', 1, 'BreakDown'),
            job(magnus, m1, 'MAGNUS', 'Down', 1, 'PaperJam'), job(avalon, m2, 'AVALON', 'Idle', 1),
            job(supra, m3, 'SUPRA', 'Idle', 2)]
    writer.store_batch(jobs)
    assert len(commits) == 1
    assert [j.outcome.result().stored for j in jobs if j.outcome.exception() is None] == [1, 1, 1, 1, 1]
    assert isinstance(jobs[1].outcome.exception(), PermissionDenied)  # another sender than the link's: 403
    assert isinstance(jobs[3].outcome.exception(), Conflict)  # a retired machine takes no problem: its signal goes
    assert (signals(m1), signals(m2), signals(m3)) == (['Running', 'Down'], ['Idle'], ['Running', 'Idle'])
    with read_session() as fresh:
        stops = fresh.exec(select(MachineStop.machine_id)).scalars().all()
        hours = fresh.exec(select(MeterReading.value, MeterReading.delta).where(MeterReading.machine_id == m3)
                           .order_by(MeterReading.at)).all()
        last = {row.id: row.last_signal_at for row in fresh.exec(select(DeviceLink)).scalars()}
    assert stops == [m1]
    assert [tuple(row) for row in hours] == [(0, 0), (2, 2)]  # the undone reading (1) neither stored nor counted
    assert last == {magnus: T0 + timedelta(minutes=1), avalon: T0 + timedelta(minutes=1),
                    supra: T0 + timedelta(minutes=2)}


@time_machine.travel(T0 + timedelta(minutes=10), tick=False)
def test_screens_hear_of_a_batch_after_its_commit_and_find_its_stops(plant: list[tuple[int, int]]) -> None:
    (magnus, m1), (avalon, m2), _ = plant
    heard: list[tuple[str, int, int]] = []

    def reread(name: str, value: int) -> None:
        with read_session() as fresh:
            heard.append((name, value, fresh.exec(select(func.count()).select_from(MachineStop)).one()[0]))

    events.add_forwarder(reread)
    writer.store_batch([job(magnus, m1, 'MAGNUS', 'Down', 0, 'BreakDown'), job(avalon, m2, 'AVALON', 'Running', 0),
                        job(avalon, m2, 'AVALON', 'Down', 1, 'CoverOpen')])
    assert {(name, value) for name, value, _ in heard if name == 'machine_changed'} == {('machine_changed', m1),
                                                                                       ('machine_changed', m2)}
    assert all(count == 2 for _, _, count in heard)  # nothing was announced before both stops were committed
    assert len(heard) == len(set(heard))  # each piece of news once


@time_machine.travel(T0 + timedelta(minutes=10), tick=False)
def test_requests_wait_for_their_own_outcome_from_the_writer(plant: list[tuple[int, int]]) -> None:
    (magnus, m1), _, _ = plant
    ok = writer.submit(job(magnus, m1, 'MAGNUS', 'Running', 0)).outcome
    refused = writer.submit(job(magnus, m1, 'AVALON', 'Idle', 1)).outcome
    assert ok.result(timeout=30).stored == 1
    assert isinstance(refused.exception(timeout=30), PermissionDenied)
    assert signals(m1) == ['Running']


@time_machine.travel(T0 + timedelta(minutes=10), tick=False)
def test_signals_of_one_machine_in_a_batch_keep_the_stop_and_counter_rules(plant: list[tuple[int, int]]) -> None:
    (magnus, m1), _, _ = plant
    writer.store_batch([job(magnus, m1, 'MAGNUS', 'Running', 0), job(magnus, m1, 'MAGNUS', 'Down', 2, 'BreakDown'),
                        job(magnus, m1, 'MAGNUS', 'Down', 3, 'BreakDown'), job(magnus, m1, 'MAGNUS', 'Running', 5),
                        job(magnus, m1, 'MAGNUS', 'Running', 5), job(magnus, m1, 'MAGNUS', 'Down', 1, 'Repair')])
    with read_session() as fresh:
        stops = [(s.started_at, s.ended_at) for s in fresh.exec(select(MachineStop)).scalars()]
        hours = fresh.exec(select(func.count()).select_from(MeterReading)).one()[0]
    assert stops == [(T0 + timedelta(minutes=2), T0 + timedelta(minutes=5))]  # one stop; the late Down only counts
    assert signals(m1) == ['Running', 'Down', 'Down', 'Down', 'Running']       # in the ledger; the repeat is dropped
    assert hours == 4  # the hour counter changed four times in order (0, 2, 3, 5); the late report feeds no meter
