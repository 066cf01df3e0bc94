"""ProblemLogTable: a machine's problem history with server-side pages, filters and a debounced search."""
from nicegui import ui

from app.db import read_session
from app.models.schemas import ProblemLogPage, ProblemLogPublic
from app.services import problem_queries
from app.services.access import Actor
from app.services.problem_queries import ProblemFilter
from components.design import TOUCH, duration_text, local_text
from components.worker import io

PAGE_SIZE = 20
STATUSES = {'': 'Any status', 'open': 'Open', 'in_progress': 'In progress', 'completed': 'Completed',
            'cancelled': 'Cancelled'}
COLUMNS = [
    {'name': 'start', 'label': 'Started', 'field': 'start', 'align': 'left'},
    {'name': 'category', 'label': 'Category', 'field': 'category', 'align': 'left'},
    {'name': 'description', 'label': 'Description', 'field': 'description', 'align': 'left',
     'classes': 'ellipsis max-w-[280px] max-sm:hidden', 'headerClasses': 'max-sm:hidden'},
    {'name': 'status', 'label': 'Status', 'field': 'status', 'align': 'left'},
    {'name': 'downtime', 'label': 'Downtime', 'field': 'downtime', 'align': 'right'},
]


class ProblemLogTable:
    """Only one page of rows lives in the browser; filters and search run in the database."""

    def __init__(self, actor: Actor, machine_id: int | None = None, subsystems: dict[int, str] | None = None) -> None:
        """:param actor: whose scope the rows come from
        :param machine_id: only this machine's problems (None: every machine in scope)
        :param subsystems: subsystem id -> name, for the cause filter
        """
        self.actor = actor
        self.machine_id = machine_id
        self.page = 1
        with ui.row().classes('w-full gap-2 items-center'):
            self.search = ui.input('Search description or solution', on_change=self._filter_changed) \
                .props('outlined dense clearable debounce=400').classes('grow min-w-[200px]').mark('search')
            self.status = ui.select(STATUSES, value='', on_change=self._filter_changed) \
                .props('outlined dense').classes('w-44').mark('status-select')
            self.subsystem = ui.select({0: 'Any cause', **(subsystems or {})}, value=0,
                                       on_change=self._filter_changed) \
                .props('outlined dense').classes('w-56').mark('subsystem-select')
        self.table = ui.table(columns=COLUMNS, rows=[], row_key='id').props('flat bordered wrap-cells') \
            .classes('w-full').mark('problem-table')
        self.table.on('row-click', lambda e: ui.navigate.to(f'/problem-logs/{e.args[1]["id"]}'))
        with ui.row().classes('w-full items-center gap-2'):
            self.count = ui.label().classes('text-sm text-gray-500').mark('problem-count')
            ui.space()
            self.pages = ui.pagination(1, 1, direction_links=True, on_change=self._page_changed) \
                .props('boundary-links max-pages=5').classes(TOUCH)

    async def reload(self) -> None:
        """Read the current page again (after a filter change or a live update)."""
        result = await io(self._read)
        self.table.rows = [_row(item) for item in result.items]
        self.count.text = f'{result.total} problem{"" if result.total == 1 else "s"}'
        self.pages.max = max(1, -(-result.total // PAGE_SIZE))

    async def _filter_changed(self) -> None:
        self.page = 1
        self.pages.value = 1
        await self.reload()

    async def _page_changed(self) -> None:
        if self.pages.value != self.page:
            self.page = int(self.pages.value)
            await self.reload()

    def _read(self) -> ProblemLogPage:
        filters = ProblemFilter(machine_id=self.machine_id, status=(self.status.value,) if self.status.value else (),
                                category_id=self.subsystem.value or None,
                                q=(self.search.value or '').strip() or None, limit=PAGE_SIZE,
                                offset=(self.page - 1) * PAGE_SIZE)
        with read_session() as session:
            return problem_queries.list_problems(session, actor=self.actor, filters=filters)


def _row(item: ProblemLogPublic) -> dict[str, object]:
    return {'id': item.id, 'start': local_text(item.start_time), 'category': item.category or '—',
            'description': item.problem_description, 'status': item.status.replace('_', ' '),
            'downtime': duration_text(item.downtime_minutes) if item.is_stopping else '—'}
