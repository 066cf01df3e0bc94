"""A machine card for the overview: status colour + icon + word, the open problem, down-for counter, today.

A card is one element drawn by our own Vue component (machine_card.js) from one `card` prop: a change of its
machine sets that prop and the colour classes (one element update per screen), and the browser redraws only this
card (NiceGUI re-renders a page's whole tree on every update; the component's `v-memo` skips cards whose prop did
not change). A card of NiceGUI labels and a Quasar button cost every screen ~7 ms per update message, redrawn
whole; see docs/BENCHMARKS.md, fan-out.

A change's card is built once per language for every screen (components/card_rooms.py emits it to the machine's
room); a screen whose sockets are in that room keeps the payload on its card without sending it again. `seq` orders
payloads: the component shows the newer of its prop and the room's card.
"""
import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nicegui import ui

from app import i18n
from app.i18n import _, ngettext
from app.models import utcnow
from app.models.schemas import MachinePublic
from components import card_rooms
from components.design import BIG_BUTTON, duration_text, status_look
from components.rooms import set_prop

# The status icon is drawn like the frame's icons (components/layout.py ICON_CSS), larger.
CARD_CSS = '''<style>
.ctp-icon.ctp-status { display: flex; }
.ctp-icon.ctp-status::before { font-size: 2.25rem; }
.ctp-card-link { display: block; width: 100%; color: inherit; text-decoration: none; }
.ctp-recent-row { display: grid; grid-template-columns: minmax(0, 1fr) auto; column-gap: 1rem; align-items: start;
  min-height: 48px; padding: 8px 16px; color: inherit; text-decoration: none; }
.ctp-recent-row:hover, .ctp-recent-row:focus-visible { background: rgba(0, 0, 0, .06); }
</style>'''
CARD_CLASSES = 'w-full gap-1 p-4'  # the colour comes with the card's payload (`cls`)
_seq = itertools.count(1)
REPORT_BUTTON = (f'ctp-icon justify-center w-full mt-2 rounded bg-white text-black uppercase font-medium '
                 f'tracking-wide no-underline {BIG_BUTTON}')


@dataclass(frozen=True)
class Line:
    """One line of text under the machine's name; `key` says which line it is (they keep a fixed order)."""

    key: str
    text: str
    classes: str


class MachineCard(ui.element, component='machine_card.js', dependencies=['board_live.js']):
    """The card of one machine on one screen; `show` applies a newer row of the same machine. With `may_report` the
    card ends in its "Report problem" link (the `report` prop)."""

    def __init__(self, machine: MachinePublic, *, may_report: bool) -> None:
        super().__init__()
        self.machine = machine
        self.mark(f'machine-{machine.id}')
        self.classes(CARD_CLASSES)
        if may_report:  # drawn by the component under the card: no element of its own (they cost every screen)
            self.props['report'] = {'label': _('Report problem'), 'cls': REPORT_BUTTON,
                                    'href': f'/machines/{machine.id}/report'}
        self.show(machine)

    def show(self, machine: MachinePublic, now: datetime | None = None, sent: dict[str, Any] | None = None) -> None:
        """Show this row of the machine: the screen gets an update only when what it shows differs. `sent`: the
        row's payload as its room already delivered it to this screen, kept without another message."""
        self.machine = machine
        card = sent or payload(machine, now)
        if _content(card) == _content(self.props.get('card')):
            return
        set_prop(self, 'card', card, sent=sent is not None)  # the room's message was the update

    def _handle_visibility_change(self, visible: str) -> None:
        """The status filter is applied on the client, from the newest board of the screen's scope
        (board_live.js): `visible` is the server's reckoning of it, for the page's readers."""

    def tick(self, now: datetime | None = None) -> None:
        """The clock moved: a down machine's counters change (the page's single timer calls this)."""
        if self.machine.down_since is not None:
            self.show(self.machine, now)

    def texts(self) -> list[str]:
        """What the card shows, in reading order."""
        card = self.props['card']
        return [card['word'], card['name'], *(text for _, text, _ in card['lines'])]

    def _displayed_contents(self, *, only_visible: bool) -> list:
        """The card's texts and its report link's, for NiceGUI's element filter (`user.should_see`) as for a reader
        of the screen."""
        report = self.props.get('report')
        return self.texts() + ([report['label']] if report else [])


def payload(machine: MachinePublic, now: datetime | None = None) -> dict[str, Any]:
    """What a card draws, in the current language."""
    colour, icon, word = status_look(machine.status)
    text = 'text-black' if colour.startswith('amber') else 'text-white'  # white on amber is hard to read
    return {'seq': next(_seq), 'id': machine.id, 'status': machine.status, 'cls': f'bg-{colour} {text}',
            'href': f'/machines/{machine.id}',
            'icon': icon, 'word': word, 'name': machine.name,
            'lines': [[line.key, line.text, line.classes] for line in lines_of(machine, now or utcnow())]}


def _in_language(machine: MachinePublic, language: str) -> dict[str, Any]:
    with i18n.language(language):
        return payload(machine)


card_rooms.register_builder(_in_language)


def _content(card: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if card is None else {k: v for k, v in card.items() if k != 'seq'}


def lines_of(machine: MachinePublic, now: datetime) -> list[Line]:
    """The lines a card shows under the name, in order."""
    lines = [Line('nickname', machine.nickname, 'text-sm')] if machine.nickname else []
    problem = machine.open_problem
    if problem is not None:
        who = problem.acknowledged_by_name or _('UNASSIGNED')
        lines += [Line('category', problem.category or _('Uncategorised'), 'text-base font-bold mt-1'),
                  Line('description', problem.problem_description, 'text-sm line-clamp-2 break-words'),
                  Line('who', _('Who: {name}').format(name=who), 'text-sm')]
        if problem.vendor_arrived_at:
            lines.append(Line('vendor', _('Vendor on site'), 'text-sm font-bold'))
        elif problem.vendor_called_at:
            lines.append(Line('vendor', _('Vendor called'), 'text-sm font-bold'))
    if machine.open_problem_count > 1:
        count = machine.open_problem_count
        lines.append(Line('count', ngettext('{count} open problem', '{count} open problems', count).format(
            count=count), 'text-sm'))
    today_line = _('Today: {duration} down')
    if machine.down_since is None:
        return [*lines, Line('today', today_line.format(duration=duration_text(machine.today_downtime_minutes)),
                             'text-sm mt-1'), *_maintenance(machine)]
    elapsed = (now - machine.down_since).total_seconds() / 60
    # the row's figures were computed when it was read; add the time since then
    today = machine.today_downtime_minutes + max(0.0, elapsed - machine.current_downtime_minutes)
    return [*lines,
            Line('down-for', _for(machine.status).format(duration=duration_text(elapsed)), 'text-xl font-bold mt-1'),
            Line('today', today_line.format(duration=duration_text(today)), 'text-sm'), *_maintenance(machine)]


def _maintenance(machine: MachinePublic) -> list[Line]:
    """A small last line when a task of the machine's maintenance plan is due: it never hides the lines above."""
    if machine.maintenance_due is None:
        return []
    text = _('Maintenance overdue') if machine.maintenance_due == 'overdue' else _('Maintenance due')
    return [Line('maintenance', text, 'text-sm font-bold mt-1')]


def _for(status: str) -> str:
    """'down for {duration}' or 'in maintenance for {duration}', translated."""
    return _('in maintenance for {duration}') if status == 'maintenance' else _('down for {duration}')
