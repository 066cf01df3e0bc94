"""A machine card for the overview: status colour + icon + word, the open problem, down-for counter, today.

A card is built once per machine and screen and then updated in place: a change of its machine sets the texts and
colour classes that differ and adds or removes the lines that appear or go (a handful of element updates), instead
of rebuilding the card. One label per line keeps a screen's element count (and memory) low.
"""
from dataclasses import dataclass
from datetime import datetime

from nicegui import ui

from app.models import utcnow
from app.models.schemas import MachinePublic
from components.design import BIG_BUTTON, duration_text, status_look

# The status icon is drawn by the word's own label (a ligature of the icon font NiceGUI already loads), so the
# status line is one element; `/ ''` gives the glyph no spoken text: screen readers read the word only.
CARD_CSS = '''<style>
.ctp-status { display: flex; align-items: center; gap: .5rem; }
.ctp-status::before { content: attr(data-icon) / ''; font-family: 'Material Icons'; font-weight: normal;
  font-style: normal; font-size: 2.25rem; line-height: 1; letter-spacing: normal; text-transform: none;
  white-space: nowrap; word-wrap: normal; direction: ltr; font-feature-settings: 'liga';
  -webkit-font-smoothing: antialiased; }
</style>'''


@dataclass(frozen=True)
class Line:
    """One line of text under the machine's name; `key` says which line it is (they keep a fixed order)."""

    key: str
    text: str
    classes: str
    marker: str | None = None


class LabelPool:
    """Spare labels of one screen's cards: a line that goes is parked (emptied, hidden) and reused by the next line
    that comes, on any card. Building an element costs far more than moving one (~0.3-0.9 ms against ~0.02 ms
    here), and every screen would build the same lines for every change; the pool keeps at most `size` spares.
    """

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self.spare: list[ui.label] = []
        self.box = ui.element('div')
        self.box.set_visibility(False)

    def take(self, container: ui.element, index: int, line: Line) -> ui.label:
        if self.spare:
            label = self.spare.pop()
            label.set_text(line.text)
            label.classes(replace=line.classes)
            label.move(container, target_index=index)
        else:
            with container:
                label = ui.label(line.text).classes(line.classes)
            label.move(target_index=index)
        if line.marker:
            label.mark(line.marker)
        return label

    def give(self, label: ui.label) -> None:
        if len(self.spare) >= self.size:
            label.delete()
            return
        label.mark()
        label.set_text('')
        label.move(self.box)
        self.spare.append(label)


class MachineCard:
    """The card of one machine on one screen; `update` applies a newer row of the same machine."""

    def __init__(self, machine: MachinePublic, *, may_report: bool, pool: LabelPool) -> None:
        self.machine = machine
        self.pool = pool
        self._look: tuple[str, str] | None = None
        self._lines: dict[str, ui.label] = {}
        with ui.card().mark(f'machine-{machine.id}') as self.element:
            with ui.link(target=f'/machines/{machine.id}') as self.link:
                self.status = ui.label().classes('ctp-status text-2xl font-black tracking-wide') \
                    .mark(f'status-{machine.id}')
                self.name = ui.label().classes('text-lg font-bold leading-tight')
            if may_report:
                ui.button('Report problem', icon='report', on_click=lambda: ui.navigate.to(
                    f'/machines/{machine.id}/report')).props('color=white text-color=black unelevated') \
                    .classes(f'w-full mt-2 {BIG_BUTTON}').mark(f'report-{machine.id}')
        self.update(machine)

    def update(self, machine: MachinePublic, now: datetime | None = None) -> None:
        """Show this row of the machine: only what differs from what the screen shows is sent."""
        self.machine = machine
        colour, icon, word = status_look(machine.status)
        text = 'text-black' if colour.startswith('amber') else 'text-white'  # white on amber is hard to read
        if self._look != (colour, text):
            self._look = (colour, text)
            self.element.classes(replace=f'w-full bg-{colour} {text} gap-1 p-4')
            self.link.classes(replace=f'w-full {text} no-underline')
        if self.status.props.get('data-icon') != icon:
            self.status.props(f'data-icon={icon}')
        self.status.set_text(word)
        self.name.set_text(machine.name)
        self._show_lines(lines_of(machine, now or utcnow()))

    def tick(self, now: datetime | None = None) -> None:
        """The clock moved: a down machine's counters change (the page's single timer calls this)."""
        if self.machine.down_since is not None:
            self._show_lines(lines_of(self.machine, now or utcnow()))

    def _show_lines(self, lines: list[Line]) -> None:
        wanted = {line.key for line in lines}
        for key in [key for key in self._lines if key not in wanted]:
            self.pool.give(self._lines.pop(key))
        for index, line in enumerate(lines, start=2):  # after the status and the name
            label = self._lines.get(line.key)
            if label is None:
                self._lines[line.key] = self.pool.take(self.link, index, line)
            else:
                label.set_text(line.text)
                if label.classes != line.classes.split():
                    label.classes(replace=line.classes)


def lines_of(machine: MachinePublic, now: datetime) -> list[Line]:
    """The lines a card shows under the name, in order."""
    lines = [Line('nickname', machine.nickname, 'text-sm opacity-90')] if machine.nickname else []
    problem = machine.open_problem
    if problem is not None:
        lines += [Line('category', problem.category or 'Uncategorised', 'text-base font-bold mt-1'),
                  Line('description', problem.problem_description, 'text-sm line-clamp-2 break-words'),
                  Line('who', f'Who: {problem.acknowledged_by_name or "UNASSIGNED"}', 'text-sm')]
        if problem.vendor_arrived_at:
            lines.append(Line('vendor', 'Vendor on site', 'text-sm font-bold'))
        elif problem.vendor_called_at:
            lines.append(Line('vendor', 'Vendor called', 'text-sm font-bold'))
    if machine.open_problem_count > 1:
        lines.append(Line('count', f'{machine.open_problem_count} open problems', 'text-sm'))
    if machine.down_since is None:
        return [*lines, Line('today', f'Today: {duration_text(machine.today_downtime_minutes)} down', 'text-sm mt-1')]
    elapsed = (now - machine.down_since).total_seconds() / 60
    # the row's figures were computed when it was read; add the time since then
    today = machine.today_downtime_minutes + max(0.0, elapsed - machine.current_downtime_minutes)
    return [*lines,
            Line('down-for', f'{_verb(machine.status)} for {duration_text(elapsed)}', 'text-xl font-bold mt-1',
                 f'down-for-{machine.id}'),
            Line('today', f'Today: {duration_text(today)} down', 'text-sm')]


def _verb(status: str) -> str:
    return 'in maintenance' if status == 'maintenance' else 'down'
