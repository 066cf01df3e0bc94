"""A machine card for the overview: status colour + icon + word, the open problem, down-for counter, today."""
from dataclasses import dataclass
from datetime import datetime

from nicegui import ui

from app.models import utcnow
from app.models.schemas import MachinePublic
from components.design import BIG_BUTTON, duration_text, status_look


@dataclass
class LiveCounter:
    """Labels whose text depends on the clock; the page's single timer calls tick()."""

    machine: MachinePublic
    down_for: ui.label
    today: ui.label

    def tick(self, now: datetime | None = None) -> None:
        if self.machine.down_since is None:
            return
        now = now or utcnow()
        elapsed = (now - self.machine.down_since).total_seconds() / 60
        # the row's figures were computed when it was read; add the time since then
        today = self.machine.today_downtime_minutes + max(0.0, elapsed - self.machine.current_downtime_minutes)
        self.down_for.text = f'{_verb(self.machine.status)} for {duration_text(elapsed)}'
        self.today.text = f'Today: {duration_text(today)} down'


def machine_card(machine: MachinePublic, *, may_report: bool) -> LiveCounter | None:
    """Build one card; tapping it opens the machine, 'Report problem' opens the form in one tap."""
    colour, icon, word = status_look(machine.status)
    text = 'text-black' if colour.startswith('amber') else 'text-white'  # white on amber is hard to read
    with ui.card().classes(f'w-full bg-{colour} {text} gap-1 p-4').mark(f'machine-{machine.id}'):
        with ui.link(target=f'/machines/{machine.id}').classes(f'w-full {text} no-underline'):
            with ui.row().classes('items-center gap-2 w-full no-wrap'):
                ui.icon(icon).classes('text-4xl')
                ui.label(word).classes('text-2xl font-black tracking-wide').mark(f'status-{machine.id}')
            ui.label(machine.name).classes('text-lg font-bold leading-tight')
            if machine.nickname:
                ui.label(machine.nickname).classes('text-sm opacity-90')
            counter = _problem_lines(machine)
        if may_report:
            ui.button('Report problem', icon='report', on_click=lambda: ui.navigate.to(
                f'/machines/{machine.id}/report')).props('color=white text-color=black unelevated') \
                .classes(f'w-full mt-2 {BIG_BUTTON}').mark(f'report-{machine.id}')
    return counter


def _problem_lines(machine: MachinePublic) -> LiveCounter | None:
    problem = machine.open_problem
    if problem is not None:
        ui.label(problem.category or 'Uncategorised').classes('text-base font-bold mt-1')
        ui.label(problem.problem_description).classes('text-sm line-clamp-2 break-words')
        who = problem.acknowledged_by_name or 'UNASSIGNED'
        ui.label(f'Who: {who}').classes('text-sm')
        if problem.vendor_arrived_at:
            ui.label('Vendor on site').classes('text-sm font-bold')
        elif problem.vendor_called_at:
            ui.label('Vendor called').classes('text-sm font-bold')
    if machine.open_problem_count > 1:
        ui.label(f'{machine.open_problem_count} open problems').classes('text-sm')
    if machine.down_since is None:
        ui.label(f'Today: {duration_text(machine.today_downtime_minutes)} down').classes('text-sm mt-1')
        return None
    down_for = ui.label().classes('text-xl font-bold mt-1').mark(f'down-for-{machine.id}')
    today = ui.label().classes('text-sm')
    counter = LiveCounter(machine, down_for, today)
    counter.tick()
    return counter


def _verb(status: str) -> str:
    return 'in maintenance' if status == 'maintenance' else 'down'
