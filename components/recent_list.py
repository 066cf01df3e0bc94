"""The overview's recent problems: one row per problem, kept and updated in place as problems change.

A change updates the changed row, or shows the new problem at the top in the row of the one that fell off (no
element built), rather than rebuilding all rows on every screen. A row is four labels in a two-column grid
(title | badge, description | when), one label per line.
"""
from nicegui import ui

from app.models.schemas import ProblemLogPublic
from components.design import TOUCH, duration_text, local_text, problem_look

ROW_STYLE = 'display: grid; grid-template-columns: minmax(0, 1fr) auto; column-gap: 1rem; align-items: start'


class RecentRow:
    """One problem of the list; clicking it opens the problem."""

    def __init__(self, problem: ProblemLogPublic) -> None:
        self.problem = problem
        with ui.item(on_click=lambda: ui.navigate.to(f'/problem-logs/{self.problem.id}')).classes(TOUCH) \
                .style(ROW_STYLE) as self.element:
            self.title = ui.label().classes('font-bold text-sm break-words')
            self.badge = ui.badge().classes('text-sm px-2 py-1 justify-self-end')
            self.description = ui.label().classes('text-xs text-gray-500 line-clamp-2 break-words')
            self.when = ui.label().classes('text-xs text-gray-500 text-right whitespace-nowrap')
        self.update(problem)

    def update(self, problem: ProblemLogPublic) -> None:
        """Show this problem (a newer row of the same one, or another one: rows are reused)."""
        self.problem = problem
        self.element.mark(f'recent-{problem.id}')
        colour, word = problem_look(problem.status)
        self.title.set_text(f'{problem.machine_name} · {problem.category or "Uncategorised"}')
        self.badge.set_text(word)
        self.badge.set_background_color(colour)
        self.description.set_text(problem.problem_description)
        lost = duration_text(problem.downtime_minutes) if problem.is_stopping else 'running'
        self.when.set_text(f'{local_text(problem.start_time)} · {lost}')


class RecentList:
    """The newest problems, newest first; `show` applies a newer list with as few element changes as it can."""

    def __init__(self) -> None:
        self.rows: dict[int, RecentRow] = {}
        self.list = ui.list().props('bordered separator').classes('w-full rounded').mark('recent')
        self.empty = ui.label('No problems reported yet.').classes('text-gray-500')

    def show(self, problems: list[ProblemLogPublic]) -> None:
        wanted = {problem.id for problem in problems}
        spare = [self.rows.pop(log_id) for log_id in list(self.rows) if log_id not in wanted]
        for index, problem in enumerate(problems):
            row = self.rows.get(problem.id)
            if row is None and spare:  # the row that fell off shows the new problem: no elements built
                row = self.rows[problem.id] = spare.pop()
                row.update(problem)
            elif row is None:
                with self.list:
                    row = self.rows[problem.id] = RecentRow(problem)
            elif row.problem != problem:
                row.update(problem)
            if self.list.default_slot.children[index] is not row.element:
                row.element.move(target_index=index)
        for row in spare:
            row.element.delete()
        self.list.set_visibility(bool(problems))
        self.empty.set_visibility(not problems)
