"""ProblemLogTable: a machine's problem history with server-side pages, filters and a debounced search."""
from datetime import timedelta

from nicegui import ui

from app.config import get_settings
from app.db import read_session
from app.i18n import N_, _, ngettext
from app.models import utcnow
from app.models.schemas import ProblemLogPage, ProblemLogPublic
from app.services import problem_queries
from app.services.access import Actor
from app.services.problem_queries import ProblemFilter
from components.design import TOUCH, duration_text, local_text, problem_look
from components.scroll_box import WIDE_TABLE, scroll_box
from components.worker import io

PAGE_SIZE = 20
STATUSES = ('open', 'in_progress', 'completed', 'cancelled')
PERIODS = {0: N_('Any time'), 1: N_('Today'), 7: N_('Last 7 days'), 30: N_('Last 30 days'), 90: N_('Last 90 days')}
FILTER = 'outlined'  # not dense: every filter is a 48 px touch target
COLUMNS = [  # labels untranslated: translated where the table is built
    {'name': 'start', 'label': N_('Started'), 'field': 'start', 'align': 'left'},
    {'name': 'machine', 'label': N_('Machine'), 'field': 'machine', 'align': 'left'},
    {'name': 'category', 'label': N_('Category'), 'field': 'category', 'align': 'left'},
    {'name': 'description', 'label': N_('Description'), 'field': 'description', 'align': 'left',
     'classes': 'ellipsis max-w-[280px] max-sm:hidden', 'headerClasses': 'max-sm:hidden'},
    {'name': 'status', 'label': N_('Status'), 'field': 'status', 'align': 'left'},
    {'name': 'downtime', 'label': N_('Downtime'), 'field': 'downtime', 'align': 'right'},
]

# The start time links to the problem: a keyboard (Tab, Enter) opens it too; a tap anywhere on the row still does.
_START_CELL = r'''<q-td :props="props"><a :href="'/problem-logs/' + props.row.id" @click.stop class="nicegui-link
inline-flex items-center min-h-[48px] min-w-[48px] whitespace-nowrap">{{ props.value }}</a></q-td>'''


class ProblemLogTable:
    """Only one page of rows lives in the browser; filters and search run in the database."""

    def __init__(self, actor: Actor, machine_id: int | None = None, subsystems: dict[int, str] | None = None,
                 *, machines: dict[int, str] | None = None, search: str = '') -> None:
        """:param actor: whose scope the rows come from
        :param machine_id: only this machine's problems (None: every machine in scope)
        :param subsystems: subsystem id -> name, for the cause filter
        :param machines: machine id -> name: adds the machine, "reported by me" and period filters (the list of
            every problem); None on a machine's own page
        """
        self.actor = actor
        self.machine_id = machine_id
        self.page = 1
        self._reads = 0  # reads begun: each answer knows whether a newer one is on its way
        self.machine = self.mine = self.period = None
        with ui.row().classes('w-full gap-2 items-center'):
            self.search = ui.input(_('Search description or solution'), value=search, on_change=self._filter_changed) \
                .props(f'{FILTER} clearable debounce=400').classes('grow min-w-[200px]').mark('search')
            if machines is not None:
                self.machine = ui.select({0: _('Every machine'), **machines}, value=0, on_change=self._filter_changed) \
                    .props(FILTER).classes('w-56').mark('machine-select')
            self.status = ui.select({'': _('Any status'), **{key: problem_look(key)[1] for key in STATUSES}},
                                    value='', on_change=self._filter_changed) \
                .props(FILTER).classes('w-44').mark('status-select')
            self.subsystem = ui.select({0: _('Any cause'), **(subsystems or {})}, value=0,
                                       on_change=self._filter_changed) \
                .props(FILTER).classes('w-56').mark('subsystem-select')
            if machines is not None:
                self.period = ui.select({days: _(word) for days, word in PERIODS.items()}, value=0,
                                        on_change=self._filter_changed).props(FILTER) \
                    .classes('w-44').mark('period-select')
                self.mine = ui.switch(_('Reported by me'), on_change=self._filter_changed).classes(TOUCH).mark('mine')
        columns = [{**c, 'label': _(str(c['label']))} for c in COLUMNS
                   if machines is not None or c['name'] != 'machine']
        with scroll_box(_('Problems')):  # on a phone the columns need more than the screen's width
            self.table = ui.table(columns=columns, rows=[], row_key='id').props('flat bordered wrap-cells') \
                .classes(WIDE_TABLE).mark('problem-table')
        self.table.add_slot('body-cell-start', _START_CELL)
        self.table.on('row-click', lambda e: ui.navigate.to(f'/problem-logs/{e.args[1]["id"]}'))
        with ui.row().classes('w-full items-center gap-2'):
            self.count = ui.label().classes('text-sm text-gray-500').mark('problem-count')
            ui.space()
            # touch targets, not 28x30 px: Quasar sets the buttons' size in their style attribute; the numbers stay
            # on one line (on a phone the pagination moves below the count instead)
            ui.add_css('.ctp-pages .q-btn { min-width: 48px !important; min-height: 48px !important } '
                       '.ctp-pages .q-pagination__middle { flex-wrap: nowrap }')
            # the first and last page are numbers (no extra arrows): 7 buttons of 48 px fit a phone
            self.pages = ui.pagination(1, 1, direction_links=True, on_change=self._page_changed) \
                .props('max-pages=5').classes(f'ctp-pages {TOUCH}')

    async def reload(self) -> None:
        """Read the current page again (after a filter change or a live update). Only the newest read is shown: an
        older one answering later (a busy server, two quick filter changes) would put back the filters before."""
        self._reads += 1
        mine = self._reads
        result = await io(self._read)
        if mine != self._reads:
            return
        self.table.rows = [_row(item) for item in result.items]
        self.count.text = ngettext('{count} problem', '{count} problems', result.total).format(count=result.total)
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
        days = int(self.period.value or 0) if self.period is not None else 0
        since = (utcnow().astimezone(get_settings().zone) - timedelta(days=days - 1)).date() if days else None
        filters = ProblemFilter(machine_id=self.machine_id or (self.machine.value if self.machine else None) or None,
                                status=(self.status.value,) if self.status.value else (),
                                category_id=self.subsystem.value or None, date_from=since,
                                created_by=self.actor.user_id if self.mine is not None and self.mine.value else None,
                                q=(self.search.value or '').strip() or None, limit=PAGE_SIZE,
                                offset=(self.page - 1) * PAGE_SIZE)
        with read_session() as session:
            return problem_queries.list_problems(session, actor=self.actor, filters=filters)


def _row(item: ProblemLogPublic) -> dict[str, object]:
    return {'id': item.id, 'start': local_text(item.start_time), 'machine': item.machine_name,
            'category': item.category or '—',
            'description': item.problem_description, 'status': problem_look(item.status)[1],
            'downtime': duration_text(item.downtime_minutes) if item.is_stopping else '—'}
