"""The overview's recent problems: one row per problem, kept and updated in place as problems change.

A change updates the changed row, or shows the new problem at the top in the row of the one that fell off (no
element built), rather than rebuilding all rows on every screen. A row is one link element drawn by our own Vue
component (recent_row.js) from one `row` prop: title | badge, description | when in a two-column grid.
"""
from nicegui import ui

from app.i18n import _
from app.models.schemas import ProblemLogPublic
from components.design import duration_text, local_text, problem_look


class RecentRow(ui.link, component='recent_row.js'):
    """One problem of the list: a link to the problem's page."""

    def __init__(self, problem: ProblemLogPublic) -> None:
        super().__init__(target=f'/problem-logs/{problem.id}')
        self.classes(remove='nicegui-link')  # the component draws its own look
        self.show(problem)

    def show(self, problem: ProblemLogPublic) -> None:
        """Show this problem (a newer row of the same one, or another one: rows are reused)."""
        self.problem = problem
        self.mark(f'recent-{problem.id}')
        colour, word = problem_look(problem.status)
        lost = duration_text(problem.downtime_minutes) if problem.is_stopping else _('running')
        self.props['href'] = f'/problem-logs/{problem.id}'
        self.props['row'] = {'title': f'{problem.machine_name} · {problem.category or _("Uncategorised")}',
                             'badge': word, 'colour': colour, 'description': problem.problem_description,
                             'when': f'{local_text(problem.start_time)} · {lost}'}

    def texts(self) -> list[str]:
        """What the row shows, in reading order."""
        row = self.props['row']
        return [row['title'], row['badge'], row['description'], row['when']]

    def _displayed_contents(self, *, only_visible: bool) -> list:
        return self.texts()


class RecentList:
    """The newest problems, newest first; `show` applies a newer list with as few element changes as it can."""

    def __init__(self) -> None:
        self.rows: dict[int, RecentRow] = {}
        self.list = ui.list().props('bordered separator').classes('w-full rounded').mark('recent')
        self.empty = ui.label(_('No problems reported yet.')).classes('text-gray-500')
        ui.link(_('See all problems, search and filter'), '/problems') \
            .classes('inline-flex items-center min-h-[48px] text-base').mark('see-all')

    def show(self, problems: list[ProblemLogPublic]) -> None:
        wanted = {problem.id for problem in problems}
        spare = [self.rows.pop(log_id) for log_id in list(self.rows) if log_id not in wanted]
        for index, problem in enumerate(problems):
            row = self.rows.get(problem.id)
            if row is None and spare:  # the row that fell off shows the new problem: no elements built
                row = self.rows[problem.id] = spare.pop()
                row.show(problem)
            elif row is None:
                with self.list:
                    row = self.rows[problem.id] = RecentRow(problem)
            elif row.problem != problem:
                row.show(problem)
            if self.list.default_slot.children[index] is not row:
                row.move(target_index=index)
        for row in spare:
            row.delete()
        self.list.set_visibility(bool(problems))
        self.empty.set_visibility(not problems)
