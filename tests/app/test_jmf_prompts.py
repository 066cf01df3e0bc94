"""The tablet's "why?": unexplained machine stops in scope with one-tap reasons, the one the details point to
first and pre-chosen; answerable by the machine's technicians, read-only for managers, gone once explained or
cancelled."""
import time_machine
from sqlmodel import Session

from app.models import CTPMachine, Role
from app.services.jmf import prompts, stops
from tests.app.test_jmf_stops import at, plant, signal  # noqa: F401  (plant is a fixture)
from tests.factories import actor, change, complete, make_user, report, seeded_category


def test_a_paper_jam_asks_its_technicians_why_with_plate_jam_pre_chosen(
        session: Session, plant: tuple[CTPMachine, int]) -> None:  # noqa: F811
    machine, link = plant
    jam = seeded_category(session, 'Plate loading / autoloader', 'Plate jam')
    tech = make_user(session, 'tech', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    signal(session, link, 'Stopped', at(0), 'PaperJam', condition='NeedsAttention')
    [prompt] = prompts.stop_prompts(session, actor=actor(tech))
    assert (prompt.machine_name, prompt.started_at, prompt.ended_at, prompt.may_answer) == (machine.name, at(0),
                                                                                          None, True)
    assert prompt.details == 'Stopped PaperJam'
    labels = [(c.category_id == jam.id, c.suggested, c.label) for c in prompt.choices]
    assert labels[0] == (True, True, 'Plate loading / autoloader – Plate jam')
    assert [label for *_, label in labels[1:]] == ['Plate loading / autoloader – Double pick',
                                                   'Plate loading / autoloader – Misfeed',
                                                   'Plate loading / autoloader – Plate not detected']
    manager = make_user(session, 'lead', Role.MANAGER)
    assert [p.may_answer for p in prompts.stop_prompts(session, actor=actor(manager))] == [False]
    assert prompts.stop_prompts(session, actor=actor(make_user(session, 'other', Role.CTP_USER))) == []


def test_without_details_the_machines_frequent_reasons_are_offered(
        session: Session, plant: tuple[CTPMachine, int]) -> None:  # noqa: F811
    machine, link = plant
    vacuum = seeded_category(session, 'Drum / clamping / vacuum', 'Vacuum error')
    tech = make_user(session, 'tech', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    for day in (1, 2):
        log = report(session, tech, machine, start=at(-60 * 24 * day), category_id=vacuum.id, is_stopping=False)
        complete(session, tech, log, end=at(-60 * 24 * day + 5))
    signal(session, link, 'Down', at(0), 'BreakDown', condition='Failure')
    with time_machine.travel(at(1), tick=False):
        [prompt] = prompts.stop_prompts(session, actor=actor(tech))
    assert [(c.category_id, c.suggested) for c in prompt.choices] == [(vacuum.id, False)]


def test_an_answered_or_cancelled_stop_asks_no_more(session: Session, plant: tuple[CTPMachine, int]) -> None:  # noqa: F811
    machine, link = plant
    seeded_category(session, 'Plate loading / autoloader', 'Plate jam')
    tech = make_user(session, 'tech', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    signal(session, link, 'Stopped', at(0), 'PaperJam')
    signal(session, link, 'Running', at(10))
    [prompt] = prompts.stop_prompts(session, actor=actor(tech))
    assert prompt.ended_at == at(10)
    stops.explain_stop(session, actor=actor(tech), stop_id=prompt.stop_id, category_id=prompt.choices[1].category_id)
    assert prompts.stop_prompts(session, actor=actor(tech)) == []
    signal(session, link, 'Down', at(20), 'BreakDown')
    [second] = prompts.stop_prompts(session, actor=actor(tech))
    change(session, tech, second.log_id, status='cancelled', reason='Test run of the service engineer')  # type: ignore[arg-type]
    assert prompts.stop_prompts(session, actor=actor(tech)) == []
