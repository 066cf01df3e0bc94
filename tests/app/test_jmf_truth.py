"""KPIs gain truth: downtime the machine captured vs downtime people typed, MTTA from the machine's own stop to a
person taking it, downtime still unexplained, micro-stops, and a ledger that adds up to the window."""
import pytest
import time_machine
from sqlmodel import Session

from app.errors import PermissionDenied
from app.models import CTPMachine, Role
from app.services.jmf import stops, truth
from tests.app.test_jmf_stops import at, plant, signal  # noqa: F401  (plant is a fixture)
from tests.factories import actor, change, complete, make_machine, make_user, report, seeded_category


def test_machine_captured_typed_unexplained_and_mtta(session: Session, plant: tuple[CTPMachine, int]) -> None:  # noqa: F811
    machine, link = plant
    quiet = make_machine(session, 'Quiet one')  # neither reports nor had typed downtime: not listed
    jam = seeded_category(session, 'Plate loading / autoloader', 'Plate jam')
    tech = make_user(session, 'tech', Role.CTP_USER, [machine.id, quiet.id])  # type: ignore[list-item]
    signal(session, link, 'Running', at(0))
    signal(session, link, 'Stopped', at(10), 'PaperJam')
    [first] = stops.list_stops(session, actor=actor(tech), unexplained_only=True)
    with time_machine.travel(at(13), tick=False):
        change(session, tech, first.log_id, status='in_progress')  # type: ignore[arg-type]
        stops.explain_stop(session, actor=actor(tech), stop_id=first.id, category_id=jam.id)
    signal(session, link, 'Running', at(30))
    signal(session, link, 'Down', at(60), 'BreakDown', condition='Failure')
    signal(session, link, 'Running', at(90))
    signal(session, link, 'Stopped', at(100), 'PaperJam')
    signal(session, link, 'Running', at(100.5))  # a micro-stop
    with time_machine.travel(at(121), tick=False):
        typed = report(session, tech, machine, start=at(120), description='Punch misaligned')
    with time_machine.travel(at(136), tick=False):
        complete(session, tech, typed, end=at(135))
    with time_machine.travel(at(200), tick=False):
        rows, plant_total = truth.machine_truth(session, actor=actor(tech), start=at(0), end=at(180))
    [row] = rows
    assert (row.name, row.reports) == (machine.name, True)
    assert (row.machine_minutes, row.typed_minutes) == (pytest.approx(50), pytest.approx(15))
    assert (row.unexplained_minutes, row.unexplained_count) == (pytest.approx(30), 1)
    assert (row.mtta_minutes, row.mtta_count, row.micro_stops) == (pytest.approx(3), 1, 1)
    assert sum(row.ledger_seconds.values()) == pytest.approx(180 * 60)
    assert row.ledger_seconds['production'] > 0 and row.ledger_seconds['down'] > 0
    assert (plant_total.machine_minutes, plant_total.mtta_minutes) == (pytest.approx(50), pytest.approx(3))
    with pytest.raises(PermissionDenied):
        truth.machine_truth(session, actor=actor(make_user(session, 'nobody', Role.NONE)))
