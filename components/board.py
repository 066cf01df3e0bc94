"""The overview's board: a card per machine of the screen's scope in red-first order, its summary line, the status
filter and the message when no card is shown.

The screen's elements follow the board's view (components/scope_rooms.py); on the client the newest view of the
scope (board_live.js) places the cards, applies the filter and writes the notes, so a change that moves no card in
or out of the board needs no message of the screen's own.
"""
from nicegui import ui

from app.i18n import _
from app.models.schemas import MachinePublic
from components import card_rooms, scope_rooms
from components.design import CARD_GRID
from components.machine_card import MachineCard
from components.rooms import set_prop


class BoardNote(ui.element, component='board_note.js', dependencies=['board_live.js']):
    """The summary line ('8 machines · 2 down', `part='summary'`: it also carries the screen's view and filter to
    the client) or the message when no card is shown (`part='empty'`)."""

    def __init__(self, part: str) -> None:
        super().__init__()
        self.props['part'] = part
        self.text = ''

    def _displayed_contents(self, *, only_visible: bool) -> list:
        return [self.text] if self.text else []


class Board:
    """The machine cards of one screen, keyed by machine id, in the board's red-first order."""

    def __init__(self, *, may_report: bool, rooms: card_rooms.CardRooms) -> None:
        self.may_report, self.rooms = may_report, rooms
        self.cards: dict[int, MachineCard] = {}
        self.status_filter = 'all'
        self.summary = BoardNote('summary').mark('board-summary')
        self.grid = ui.element('div').classes(CARD_GRID).mark('board')
        self.empty = BoardNote('empty')
        self.empty.props['texts'] = {'none': _('No machines assigned to you yet.'),
                                     'filtered': _('No machine with this status.')}

    def holds(self, rows: list[MachinePublic]) -> bool:
        """Whether these are the machines the board shows (a view of them moves no card in or out)."""
        return len(rows) == len(self.cards) and all(row.id in self.cards for row in rows)

    def show(self, view: scope_rooms.View, *, sent: bool = False) -> None:
        """Apply the view: update changed cards, add/remove/move only what must. `sent`: the view reached the
        screen through its room; its summary note keeps it without another message."""
        rows = view.rows
        wanted = {row.id for row in rows}
        for gone in [machine_id for machine_id in self.cards if machine_id not in wanted]:
            self.cards.pop(gone).delete()
        for index, row in enumerate(rows):
            card = self.cards.get(row.id)
            if card is None:
                with self.grid:
                    card = self.cards[row.id] = MachineCard(row, may_report=self.may_report)
            elif card.machine != row:
                card.show(row, sent=card_rooms.published(row, self.rooms.language))
            if self.grid.default_slot.children[index] is not card:
                card.move(target_index=index)
        self.rooms.follow(set(self.cards))
        self.summary.text = view.payload['summary']
        set_prop(self.summary, 'view', view.payload, sent=sent)
        self.filter(self.status_filter)

    def filter(self, status: str) -> None:
        """Show the cards of one status ('all' for every card); the client hides the others (board_live.js)."""
        self.status_filter = status
        if self.summary.props.get('filter') != status:
            self.summary.props['filter'] = status
        shown = 0
        for card in self.cards.values():
            card.visible = status in ('all', card.machine.status)
            shown += card.visible
        texts = self.empty.props['texts']
        self.empty.text = '' if shown else texts['filtered'] if self.cards else texts['none']

    def tick(self) -> None:
        for card in self.cards.values():
            card.tick()

    def resend(self) -> None:
        """A (re)connected socket may have missed room messages: send every card's and the view's newest state."""
        for card in self.cards.values():
            card.update()
        self.summary.update()
