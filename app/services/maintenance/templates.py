"""The starting plan for platesetters and processors: typical intervals and limits, TO BE CHECKED against the
vendors' manuals (each task is marked `template` until an admin changes it)."""
from sqlmodel import Session

from app.models.maintenance_schemas import StepIn, TaskIn, TaskPublic
from app.services.access import Action, Actor, require
from app.services.maintenance import plans

Spec = dict[str, object]


def _task(title: str, every_n: int, unit: str, steps: list[StepIn], **extra: object) -> Spec:
    return {'title': title, 'every_n': every_n, 'every_unit': unit, 'steps': steps, **extra}


def _tick(label: str) -> StepIn:
    return StepIn(label=label)


def _reading(label: str, unit: str, low: float, high: float) -> StepIn:
    return StepIn(label=label, unit=unit, min_value=low, max_value=high)


# Stored data in the plant's log language (like categories): admins rename them in the plan.
PROCESSOR = [
    _task('Daily processor check', 1, 'day', [
        _reading('Developer temperature', '°C', 22.0, 25.0), _reading('Developer conductivity', 'mS/cm', 70.0, 90.0),
        _reading('Replenishment rate', 'ml/m²', 40.0, 80.0), _tick('Rollers and brushes clean'),
        _tick('Gum section topped up')], at_minute=6 * 60, lead_days=0, expected_minutes=10),
    _task('Weekly processor clean', 1, 'week', [
        _tick('Drain and rinse the wash section'), _tick('Clean rollers and brushes'), _tick('Clean the dryer')],
        weekday=0, at_minute=6 * 60, lead_days=1, needs_stop=True, expected_minutes=45),
    _task('Developer bath change', 4, 'week', [
        _tick('Drain the old developer'), _tick('Clean the tank and filters'), _tick('Fill new developer'),
        _reading('Bath temperature', '°C', 22.0, 25.0), _reading('Developer conductivity', 'mS/cm', 70.0, 90.0),
        _tick('Test plate checked (dot values)')],
        weekday=0, at_minute=6 * 60, lead_days=3, meter='production', meter_every=8000.0, needs_stop=True,
        expected_minutes=90),
]
PLATESETTER = [
    _task('Clean optics and debris extraction', 1, 'week', [
        _tick('Extraction filter checked or replaced'), _tick('Optics cleaned as per manual'),
        _reading('Extraction pressure', 'Pa', 200.0, 600.0)],
        weekday=4, at_minute=14 * 60, lead_days=1, needs_stop=True, expected_minutes=30),
    _task('Focus and laser power check', 1, 'month', [
        _reading('Laser power', '%', 90.0, 110.0), _tick('Focus test plate checked')],
        month_day=1, at_minute=7 * 60, lead_days=3, meter='hours', meter_every=500.0, needs_stop=True,
        expected_minutes=60),
    _task('Vendor service visit', 12, 'month', [_tick('Service report filed')],
          month_day=15, at_minute=8 * 60, lead_days=30, needs_stop=True, expected_minutes=480),
]
KINDS: dict[str, list[Spec]] = {'processor': PROCESSOR, 'platesetter': PLATESETTER}


def apply_starting_plan(session: Session, *, actor: Actor, machine_id: int, kinds: tuple[str, ...] = (
        'platesetter', 'processor')) -> list[TaskPublic]:
    """Add the starting plan's tasks to a machine (a plate line has both parts), marked as templates."""
    require(actor, Action.ADMINISTER)
    added = []
    for kind in kinds:
        for spec in KINDS[kind]:
            added.append(plans.create_task(session, actor=actor, template=True,
                                           task_in=TaskIn(machine_id=machine_id, **spec)))
    return added
