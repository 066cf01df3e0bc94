"""The starting plan for platesetters and processors: typical intervals and limits, TO BE CHECKED against the
vendors' manuals (each task is marked `template` until an admin changes it)."""
from sqlmodel import Session

from app.models.maintenance_schemas import StepIn, TaskIn, TaskPublic
from app.services.access import Action, Actor, require
from app.services.maintenance import plans

# Stored data in the plant's log language (like categories): admins rename them in the plan.
PROCESSOR = [
    dict(title='Daily processor check', every_n=1, every_unit='day', at_minute=6 * 60, lead_days=0,
         expected_minutes=10, steps=[
             StepIn(label='Developer temperature', unit='°C', min_value=22.0, max_value=25.0),
             StepIn(label='Developer conductivity', unit='mS/cm', min_value=70.0, max_value=90.0),
             StepIn(label='Replenishment rate', unit='ml/m²', min_value=40.0, max_value=80.0),
             StepIn(label='Rollers and brushes clean'), StepIn(label='Gum section topped up')]),
    dict(title='Weekly processor clean', every_n=1, every_unit='week', weekday=0, at_minute=6 * 60, lead_days=1,
         needs_stop=True, expected_minutes=45, steps=[
             StepIn(label='Drain and rinse the wash section'), StepIn(label='Clean rollers and brushes'),
             StepIn(label='Clean the dryer')]),
    dict(title='Developer bath change', every_n=4, every_unit='week', weekday=0, at_minute=6 * 60, lead_days=3,
         meter='production', meter_every=8000.0, needs_stop=True, expected_minutes=90, steps=[
             StepIn(label='Drain the old developer'), StepIn(label='Clean the tank and filters'),
             StepIn(label='Fill new developer'),
             StepIn(label='Bath temperature', unit='°C', min_value=22.0, max_value=25.0),
             StepIn(label='Developer conductivity', unit='mS/cm', min_value=70.0, max_value=90.0),
             StepIn(label='Test plate checked (dot values)')]),
]
PLATESETTER = [
    dict(title='Clean optics and debris extraction', every_n=1, every_unit='week', weekday=4, at_minute=14 * 60,
         lead_days=1, needs_stop=True, expected_minutes=30, steps=[
             StepIn(label='Extraction filter checked or replaced'), StepIn(label='Optics cleaned as per manual'),
             StepIn(label='Extraction pressure', unit='Pa', min_value=200.0, max_value=600.0)]),
    dict(title='Focus and laser power check', every_n=1, every_unit='month', month_day=1, at_minute=7 * 60,
         lead_days=3, meter='hours', meter_every=500.0, needs_stop=True, expected_minutes=60, steps=[
             StepIn(label='Laser power', unit='%', min_value=90.0, max_value=110.0),
             StepIn(label='Focus test plate checked')]),
    dict(title='Vendor service visit', every_n=12, every_unit='month', month_day=15, at_minute=8 * 60, lead_days=30,
         needs_stop=True, expected_minutes=480, steps=[StepIn(label='Service report filed')]),
]
KINDS: dict[str, list[dict[str, object]]] = {'processor': PROCESSOR, 'platesetter': PLATESETTER}


def apply_starting_plan(session: Session, *, actor: Actor, machine_id: int, kinds: tuple[str, ...] = (
        'platesetter', 'processor')) -> list[TaskPublic]:
    """Add the starting plan's tasks to a machine (a plate line has both parts), marked as templates."""
    require(actor, Action.ADMINISTER)
    added = []
    for kind in kinds:
        for spec in KINDS[kind]:
            added.append(plans.create_task(session, actor=actor, template=True,
                                           task_in=TaskIn(machine_id=machine_id, **spec)))  # type: ignore[arg-type]
    return added
