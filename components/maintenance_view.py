"""Maintenance on screen: a work order's row (state chip, due date, meter), a reading's limits, the machine
page's plan and history section, and the statistics page's maintenance figures."""
from collections.abc import Awaitable, Callable
from datetime import date

from nicegui import ui

from app.db import read_session
from app.errors import DomainError
from app.i18n import N_, _, date_time_text, decimal_text
from app.models.maintenance_schemas import FigurePublic, OrderPublic, StepPublic, TaskPublic
from app.services import calendar
from app.services.access import ROLE_ACTIONS, Action, Actor
from app.services.maintenance import figures, orders, plans
from components.design import SECTION, TOUCH, duration_text, minutes_text, percent_text
from components.maintenance_editor import plan_tools, task_buttons
from components.worker import io

# state → (background, text colour, words); never colour alone: the word is always shown
STATE_LOOK = {'overdue': ('red-8', 'white', N_('Overdue')), 'due': ('amber-9', 'black', N_('Due')),
              'soon': ('blue-8', 'white', N_('Due soon')), 'upcoming': ('grey-7', 'white', N_('Upcoming')),
              'done': ('green-9', 'white', N_('Done')), 'skipped': ('grey-8', 'white', N_('Skipped')),
              'missed': ('red-10', 'white', N_('Missed')), 'in_progress': ('primary', 'white', N_('In progress'))}
UNITS = {'day': N_('every {n} days'), 'week': N_('every {n} weeks'), 'month': N_('every {n} months')}
WEEKDAYS = (N_('Monday'), N_('Tuesday'), N_('Wednesday'), N_('Thursday'), N_('Friday'), N_('Saturday'),
            N_('Sunday'))


def state_chip(state: str) -> None:
    background, colour, word = STATE_LOOK.get(state, ('grey-7', 'white', state))
    ui.badge(_(word)).props(f'color={background} text-color={colour}').classes('text-sm px-2 py-1') \
        .mark(f'state-{state}')


def due_text(order: OrderPublic) -> str:
    parts = []
    if order.due_at is not None:
        parts.append(_('due {moment}').format(moment=date_time_text(order.due_at)))
    if order.meter_every is not None and order.meter_used is not None:
        parts.append(_('{used} of {every} ({meter})').format(
            used=decimal_text(order.meter_used), every=decimal_text(order.meter_every), meter=order.meter))
    return ' · '.join(parts)


def order_row(order: OrderPublic) -> None:
    """One pending work order as a 48 px link to its task screen."""
    with ui.link(target=f'/maintenance/{order.id}').classes(f'w-full no-underline text-inherit {TOUCH}') \
            .mark(f'order-{order.id}'):
        with ui.card().classes('w-full flex-row items-center gap-3 p-3'):
            state_chip(order.state if order.status == 'planned' else order.status)
            with ui.column().classes('gap-0 grow'):
                ui.label(f'{order.machine_name}: {order.title}').classes('text-lg font-bold')
                ui.label(due_text(order)).classes('text-sm text-gray-600')


def step_hint(step: StepPublic) -> str:
    """'limits 70–90 mS/cm' (or only a lower / upper limit)."""
    low = '' if step.min_value is None else decimal_text(step.min_value, digits=_digits(step.min_value))
    high = '' if step.max_value is None else decimal_text(step.max_value, digits=_digits(step.max_value))
    if not low and not high:
        return ''
    return _('limits {low}–{high} {unit}').format(low=low, high=high, unit=step.unit or '')


def _digits(value: float) -> int:
    return 0 if float(value).is_integer() else 1


def trigger_text(task: TaskPublic) -> str:
    parts = []
    if task.every_n is not None and task.every_unit is not None:
        text = _(UNITS[task.every_unit]).format(n=task.every_n)
        if task.weekday is not None:
            text += f' ({_(WEEKDAYS[task.weekday])})'
        parts.append(text)
    if task.meter is not None and task.meter_every is not None:
        parts.append(_('every {every} ({meter})').format(every=decimal_text(task.meter_every), meter=task.meter))
    return _(' or ').join(parts)


async def maintenance_section(actor: Actor, machine_id: int) -> None:
    """The machine page's maintenance: its plan (tasks, due work orders) and its history; admins edit the plan."""
    @ui.refreshable
    async def section() -> None:
        await _section(actor, machine_id, section.refresh)
    await section()


async def _section(actor: Actor, machine_id: int, changed: Callable[[], Awaitable[None]]) -> None:
    try:
        tasks, due, done = await io(_machine_maintenance, actor, machine_id)
    except DomainError:
        return
    admin = Action.ADMINISTER in ROLE_ACTIONS[actor.role] and not actor.is_display
    with ui.column().classes('w-full gap-2').mark('maintenance-section'):
        ui.label(_('Maintenance plan')).classes('text-xl font-bold mt-2').props(SECTION)
        if not tasks:
            ui.label(_('No maintenance plan yet.')).classes('text-gray-500')
        for task in tasks:
            with ui.row().classes('w-full items-center gap-2'):
                ui.label(task.title).classes('font-bold')
                ui.label(trigger_text(task)).classes('text-sm text-gray-600')
                if task.template:
                    ui.label(_('starting plan: check against the manual')).classes('text-xs text-amber-900')
                if admin:
                    task_buttons(task, changed)
        if admin:
            plan_tools(machine_id, bool(tasks), changed)
        for order in due:
            order_row(order)
        ui.label(_('Maintenance history')).classes('text-lg font-bold mt-2')
        if not done:
            ui.label(_('No maintenance done yet.')).classes('text-gray-500')
        for order in done:
            with ui.row().classes('w-full items-center gap-2'):
                state_chip(order.status)
                ui.label(order.title).classes('font-bold')
                moment = order.done_at or order.due_at
                ui.label(date_time_text(moment) if moment else '').classes('text-sm text-gray-600')
                if order.skip_reason:
                    ui.label(order.skip_reason).classes('text-sm')


def _machine_maintenance(actor: Actor, machine_id: int) -> tuple[list[TaskPublic], list[OrderPublic],
                                                                  list[OrderPublic]]:
    with read_session() as session:
        tasks = plans.list_plan(session, actor=actor, machine_id=machine_id)
        due = orders.due_list(session, actor=actor, machine_id=machine_id,
                              states=('upcoming', 'soon', 'due', 'overdue'))
        return tasks, due, orders.history(session, actor=actor, machine_id=machine_id, limit=20)


async def maintenance_figures(actor: Actor, first: date, last: date) -> None:
    """The statistics page's maintenance block: PM compliance, overdue, planned vs unplanned downtime, MTBF around
    the latest plan change."""
    result = await io(_figures, actor, first, last)
    n_due = _('n = {count} due').format(count=result.due)
    missed = _('{count} skipped or missed').format(count=result.skipped)
    tiles = [(_('PM compliance'), percent_text(result.compliance), n_due),
             (_('Maintenance overdue'), str(result.overdue), missed),
             (_('Planned downtime'), duration_text(result.planned_minutes), ''),
             (_('Unplanned downtime'), duration_text(result.unplanned_minutes), ''),
             (_('MTBF before / after plan change'),
              f'{minutes_text(result.mtbf_before_minutes)} / {minutes_text(result.mtbf_after_minutes)}',
              date_time_text(result.plan_changed_at) if result.plan_changed_at else '')]
    ui.label(_('Preventive maintenance')).classes('text-lg font-bold mt-2')
    with ui.element('div').classes('w-full grid grid-cols-2 md:grid-cols-3 xl:grid-cols-5 gap-2') \
            .mark('maintenance-figures'):
        for title, value, note in tiles:
            with ui.card().classes('gap-0 p-3'):
                ui.label(title).classes('text-sm text-gray-500')
                ui.label(value).classes('text-2xl font-bold')
                ui.label(note).classes('text-xs text-gray-500')


def _figures(actor: Actor, first: date, last: date) -> FigurePublic:
    start, end = calendar.local_range_bounds(first, last)
    with read_session() as session:
        return figures.figures(session, actor=actor, start=start, end=end)
