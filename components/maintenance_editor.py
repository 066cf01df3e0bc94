"""Admins edit a machine's maintenance plan on its page: add the starting plan, add / change / remove a task.

Steps are typed one per line: `Label` is a tick, `Label | unit | min | max` a reading with its limits, and
`Label | unit | min | max | meter` a reading that also feeds the machine's meter of that name (e.g. production)."""
from collections.abc import Awaitable, Callable

from nicegui import ui
from pydantic import ValidationError

from app.errors import DomainError
from app.i18n import _
from app.models.maintenance_schemas import StepIn, TaskIn, TaskPublic
from app.services.access import SignedIn, acting_as
from app.services.maintenance import plans, templates
from components.design import TOUCH, error_text
from components.session import signed_in
from components.worker import io

UNIT_WORDS = {'day': 'days', 'week': 'weeks', 'month': 'months'}


def steps_text(task: TaskPublic | None) -> str:
    lines = []
    for step in task.steps if task else []:
        if step.unit is None:
            lines.append(step.label)
        else:
            low = '' if step.min_value is None else f'{step.min_value:g}'
            high = '' if step.max_value is None else f'{step.max_value:g}'
            meter = f' | {step.meter}' if step.meter else ''
            lines.append(f'{step.label} | {step.unit} | {low} | {high}{meter}')
    return '\n'.join(lines)


def parse_steps(text: str) -> list[StepIn]:
    """'Label' → a tick; 'Label | unit | min | max [| meter]' → a reading (empty limits allowed)."""
    steps = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        parts = [part.strip() for part in line.split('|')] + ['', '', '', '']
        label, unit, low, high, meter = parts[:5]
        steps.append(StepIn(label=label, unit=unit or None, min_value=float(low) if low else None,
                            max_value=float(high) if high else None, meter=meter or None))
    return steps


def plan_tools(machine_id: int, has_tasks: bool, changed: Callable[[], Awaitable[None]]) -> None:
    """The admin's buttons under the plan: add a task, and the starting plan while the plan is empty."""
    with ui.row().classes('gap-2').mark('plan-tools'):
        ui.button(_('Add task'), icon='add', on_click=lambda: task_dialog(machine_id, None, changed)) \
            .props('outline').classes(TOUCH).mark('add-task')
        if has_tasks:
            async def copy() -> None:
                if await _run(lambda who: _call(who, plans.copy_plan, from_machine_id=machine_id), changed):
                    ui.notify(_('The plan was applied to the other machines of this model.'), type='positive')
            ui.button(_('Apply this plan to the other machines of its model'), icon='content_copy',
                      on_click=copy).props('outline').classes(TOUCH).mark('copy-plan')
        else:
            async def starting_plan() -> None:
                await _run(lambda who: _starting_plan(who, machine_id), changed)
            ui.button(_('Add the starting plan (check against the manuals)'), icon='playlist_add',
                      on_click=starting_plan).props('outline').classes(TOUCH).mark('starting-plan')


def task_buttons(task: TaskPublic, changed: Callable[[], Awaitable[None]]) -> None:
    ui.button(_('Change'), icon='edit', on_click=lambda: task_dialog(task.machine_id, task, changed)) \
        .props('flat').classes(TOUCH).mark(f'edit-task-{task.id}')

    async def remove() -> None:
        await _run(lambda who: _call(who, plans.delete_task, task_id=task.id), changed)
    ui.button(_('Remove'), icon='delete', on_click=remove).props('flat').classes(TOUCH).mark(f'remove-task-{task.id}')


def task_dialog(machine_id: int, task: TaskPublic | None, changed: Callable[[], Awaitable[None]]) -> None:
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-2xl'):
        dialog.props['aria-label'] = _('Maintenance task')  # the dialog's accessible name
        ui.label(_('Maintenance task')).classes('text-lg font-bold')
        title = ui.input(_('Title'), value=task.title if task else '').props('outlined').classes('w-full')
        with ui.row().classes('w-full gap-2'):
            every = ui.number(_('Every'), value=task.every_n if task else 1, min=1, format='%d').props('outlined')
            unit = ui.select({'': _('no calendar'), 'day': _('days'), 'week': _('weeks'), 'month': _('months')},
                             label=_('Unit'), value=(task.every_unit or '') if task else 'week').props('outlined')
            meter = ui.select({'': _('no meter'), 'production': _('plates imaged'), 'hours': _('laser hours')},
                              label=_('Meter'), value=(task.meter or '') if task else '').props('outlined')
            meter_every = ui.number(_('Every (meter)'), value=task.meter_every if task else None).props('outlined')
        with ui.row().classes('w-full gap-2'):
            anchor = ui.select({'due': _('from the due date'), 'completion': _('from the completion')},
                               label=_('The next one counts'), value=task.anchor if task else 'due').props('outlined')
            needs_stop = ui.checkbox(_('The machine is stopped'), value=task.needs_stop if task else False) \
                .classes(TOUCH)
        steps = ui.textarea(_('Steps (one per line; a reading: Label | unit | min | max)'),
                            value=steps_text(task)).props('outlined autogrow').classes('w-full')

        async def save() -> None:
            try:
                body = TaskIn(machine_id=machine_id, title=title.value or '', every_n=int(every.value)
                              if unit.value and every.value else None, every_unit=unit.value or None,
                              meter=meter.value or None, meter_every=meter_every.value if meter.value else None,
                              anchor=anchor.value, needs_stop=bool(needs_stop.value),
                              steps=parse_steps(steps.value or ''))
            except (ValidationError, ValueError) as error:
                ui.notify(error_text(error), type='negative')
                return
            if task is None:
                done = await _run(lambda who: _call(who, plans.create_task, task_in=body), changed)
            else:
                done = await _run(lambda who: _call(who, plans.update_task, task_id=task.id, task_in=body), changed)
            if done:
                dialog.close()
        with ui.row().classes('gap-2'):
            ui.button(_('Save'), on_click=save).props('color=primary').classes(TOUCH).mark('save-task')
            ui.button(_('Cancel'), on_click=dialog.close).props('flat').classes(TOUCH)
    dialog.open()


async def _run(call: Callable[[SignedIn | None], object], changed: Callable[[], Awaitable[None]]) -> bool:
    try:
        await io(call, signed_in())
    except DomainError as error:
        ui.notify(error_text(error), type='negative')
        return False
    await changed()
    return True


def _call(who: SignedIn | None, func: Callable[..., object], **kwargs: object) -> object:
    with acting_as(who) as (session, actor):
        return func(session, actor=actor, **kwargs)


def _starting_plan(who: SignedIn | None, machine_id: int) -> object:
    with acting_as(who) as (session, actor):
        return templates.apply_starting_plan(session, actor=actor, machine_id=machine_id)
