"""The overview's recent problems, newest first: one element drawn by our own Vue component (recent_list.js).

The rows come with the board's view of the screen's scope (components/scope_rooms.py): after a change the view is
built once per scope and language and reaches every screen of that scope in one room message, the rows included;
the element itself is not sent again. Each row is a link to its problem: title | badge, description | when.
"""
from typing import Any

from nicegui import ui

from app.i18n import _
from app.models.schemas import ProblemLogPublic
from components import scope_rooms
from components.design import duration_text, local_text, problem_look


def row_payload(problem: ProblemLogPublic) -> dict[str, Any]:
    """What a row draws, in the current language."""
    colour, word = problem_look(problem.status)
    lost = duration_text(problem.downtime_minutes) if problem.is_stopping else _('running')
    return {'id': problem.id, 'href': f'/problem-logs/{problem.id}',
            'row': {'title': f'{problem.machine_name} · {problem.category or _("Uncategorised")}', 'badge': word,
                    'colour': colour, 'description': problem.problem_description,
                    'when': f'{local_text(problem.start_time)} · {lost}'}}


scope_rooms.register_row_builder(row_payload)


class RecentList(ui.element, component='recent_list.js', dependencies=['board_live.js']):
    """The newest problems of the screen's scope; `show` keeps the view's rows (the page's view carries them)."""

    def __init__(self) -> None:
        super().__init__()
        self.props['empty'] = _('No problems reported yet.')
        self.rows: list[dict[str, Any]] = []
        self.classes('w-full').mark('recent')

    def show(self, view: scope_rooms.View) -> None:
        self.rows = view.payload['recent']

    def ids(self) -> list[int]:
        return [row['id'] for row in self.rows]

    def texts(self, log_id: int) -> list[str]:
        """What the row of that problem shows, in reading order."""
        [row] = [row['row'] for row in self.rows if row['id'] == log_id]
        return [row['title'], row['badge'], row['description'], row['when']]

    def _displayed_contents(self, *, only_visible: bool) -> list:
        if not self.rows:
            return [self.props['empty']]
        return [text for row in self.rows for text in self.texts(row['id'])]


def see_all_link() -> None:
    ui.link(_('See all problems, search and filter'), '/problems') \
        .classes('inline-flex items-center min-h-[48px] text-base').mark('see-all')
