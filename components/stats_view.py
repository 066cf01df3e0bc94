"""Statistics widgets: date-range presets, the per-machine KPI table, trend and Pareto charts."""
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from nicegui import ui

from app import i18n
from app.i18n import N_, _
from app.services.kpi_figures import HOW_COMPUTED
from app.services.stats import CauseRow, MachineStats
from components.design import duration_text
from components.scroll_box import WIDE_TABLE, scroll_box

PRESETS = (N_('Last 7 days'), N_('Last 30 days'), N_('Last 90 days'), N_('This month'), N_('Last month'),
           N_('Last quarter'), N_('Year to date'), N_('Last 12 months'))  # untranslated: keys of the page's URL


def preset_range(name: str, today: date) -> tuple[date, date]:
    """Plant-local first and last day (inclusive) of a named range."""
    if name.startswith('Last ') and name.endswith(' days'):
        return today - timedelta(days=int(name.split()[1]) - 1), today
    if name == 'This month':
        return today.replace(day=1), today
    if name == 'Last month':
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if name == 'Last quarter':
        first_this = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        last = first_this - timedelta(days=1)
        return date(last.year, 3 * ((last.month - 1) // 3) + 1, 1), last
    if name == 'Year to date':
        return date(today.year, 1, 1), today
    return today.replace(year=today.year - 1) + timedelta(days=1), today


def minutes(value: float | None) -> str:
    return '—' if value is None else duration_text(value)


def percent(value: float | None) -> str:
    return '—' if value is None else i18n.percent_text(value)


def with_n(text: str, n: int) -> str:
    """A figure with the number of events behind it (DOMAIN.md §5: every figure shows its n)."""
    return _('{figure} (n = {count})').format(figure=text, count=n)


def not_machine_faults(row: MachineStats) -> str:
    """The "not machine faults: n, minutes" cell: reported on its own, never dropped."""
    return f'{row.not_machine_fault_count}, {duration_text(row.not_machine_fault_minutes)}'


def kpi_row(name: str, row: MachineStats, machine_id: int | None) -> dict[str, object]:
    top = row.top_causes[0].subsystem if row.top_causes else '—'
    return {'id': machine_id or 0, 'machine': name, 'problems': row.problem_count, 'stops': row.episodes,
            'downtime': minutes(row.unplanned_downtime_minutes), 'downtime_raw': row.unplanned_downtime_minutes,
            'mttr': with_n(minutes(row.mttr_minutes), row.episodes),
            'mtbf': with_n(minutes(row.mtbf_minutes), row.episodes),
            'mtta': with_n(minutes(row.mtta_minutes), row.ack_count),
            'vendor': with_n(minutes(row.vendor_response_minutes), row.vendor_count),
            'availability': percent(row.availability), 'availability_247': percent(row.availability_24_7),
            'ftf': with_n(percent(row.first_time_fix_rate), row.failure_count), 'reopens': row.reopen_count,
            'not_machine_faults': not_machine_faults(row), 'plates': row.plates_lost, 'top_cause': top}


_FIGURES = {'downtime': 'unplanned_downtime', 'top_cause': 'top_cause', 'problems': 'problems', 'stops': 'stops',
            'mttr': 'mttr', 'mtbf': 'mtbf', 'mtta': 'mtta', 'vendor': 'vendor_response',
            'availability': 'availability', 'availability_247': 'availability_24_7', 'plates': 'plates_lost',
            'ftf': 'first_time_fix', 'reopens': 'reopens', 'not_machine_faults': 'not_machine_faults'}
COLUMNS: list[dict[str, Any]] = [  # labels and tooltips untranslated: columns() translates
    {'name': 'machine', 'label': N_('Machine'), 'field': 'machine', 'align': 'left', 'sortable': True},
    {'name': 'downtime', 'label': N_('Unplanned downtime'), 'field': 'downtime', 'sortable': True},
    {'name': 'top_cause', 'label': N_('Top cause'), 'field': 'top_cause', 'align': 'left'},
    {'name': 'problems', 'label': N_('Problems'), 'field': 'problems', 'sortable': True},
    {'name': 'stops', 'label': N_('Stops (n)'), 'field': 'stops', 'sortable': True},
    {'name': 'mttr', 'label': N_('MTTR'), 'field': 'mttr'},
    {'name': 'mtbf', 'label': N_('MTBF'), 'field': 'mtbf'},
    {'name': 'mtta', 'label': N_('MTTA'), 'field': 'mtta'},
    {'name': 'vendor', 'label': N_('Vendor response'), 'field': 'vendor'},
    {'name': 'availability', 'label': N_('Availability (shifts)'), 'field': 'availability'},
    {'name': 'availability_247', 'label': N_('Availability (24/7)'), 'field': 'availability_247'},
    {'name': 'plates', 'label': N_('Plates lost'), 'field': 'plates', 'sortable': True},
    {'name': 'ftf', 'label': N_('First-time fix'), 'field': 'ftf'},
    {'name': 'reopens', 'label': N_('Reopens'), 'field': 'reopens', 'sortable': True},
    {'name': 'not_machine_faults', 'label': N_('Not machine faults (n, time)'), 'field': 'not_machine_faults'},
]
for _column in COLUMNS:  # the services' plain words on how each figure is computed (DOMAIN.md §5)
    if _column['name'] in _FIGURES:
        _column['tooltip'] = HOW_COMPUTED[_FIGURES[str(_column['name'])]]
# A header cell with its explanation as a tooltip; q-th with props keeps the sort arrow. Text comes from values only.
_HEADER = r'''<q-th :props="props">{{ props.col.label }}<q-icon v-if="props.col.tooltip" name="info_outline"
class="q-ml-xs text-grey-6" size="xs" /><q-tooltip v-if="props.col.tooltip" max-width="320px">{{ props.col.tooltip }}
</q-tooltip></q-th>'''

# The machine's name is a button: a keyboard reaches the drill-down too (a click anywhere on the row still opens it).
_MACHINE_CELL = r'''<q-td :props="props"><q-btn flat no-caps dense :label="props.value" class="min-h-[48px]"
aria-haspopup="dialog" @click.stop="() => $parent.$emit('drill', props.row.id)" /></q-td>'''


def columns() -> list[dict[str, object]]:
    """The table's columns, their labels and tooltips in the screen's language."""
    return [{**column, 'label': _(str(column['label'])),
             **({'tooltip': _(str(column['tooltip']))} if 'tooltip' in column else {})} for column in COLUMNS]


def kpi_table(rows: list[dict[str, object]], on_select: Callable[[int], object]) -> ui.table:
    """The per-machine table; a click on a row drills down to the problems behind it."""
    with scroll_box(_('Figures per machine')):  # wider than most screens
        table = ui.table(columns=columns(), rows=rows, row_key='id').classes(WIDE_TABLE).props('flat bordered')
    table.mark('kpi-table')
    table.add_slot('header-cell', _HEADER)
    table.add_slot('body-cell-machine', _MACHINE_CELL)
    table.on('rowClick', lambda e: on_select(int(e.args[1]['id'])))
    table.on('drill', lambda e: on_select(int(e.args)))
    return table


def trend_chart(labels: list[str], values: list[float | None]) -> ui.echart:
    """Hours per week; a week outside every machine's life or in the future has no bar (None), not 0."""
    return ui.echart({
        'title': {'text': _('Unplanned downtime per week (h)'), 'textStyle': {'fontSize': 14}},
        'tooltip': {'trigger': 'axis'},
        'xAxis': {'type': 'category', 'data': labels},
        'yAxis': {'type': 'value'},
        'series': [{'type': 'bar', 'data': [_hours(v) for v in values], 'name': _('hours')}],
    }).classes('w-full h-72')


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 1)


def pareto_chart(causes: list[CauseRow]) -> ui.echart:
    """Causes by unplanned downtime, with the cumulative share as a line (labels are values, never keys)."""
    total = sum(c.minutes for c in causes) or 1.0
    running, cumulative = 0.0, []
    for cause in causes:
        running += cause.minutes
        cumulative.append(round(100 * running / total, 1))
    return ui.echart({
        'title': {'text': _('Top causes (Pareto)'), 'textStyle': {'fontSize': 14}},
        'tooltip': {'trigger': 'axis'},
        'xAxis': {'type': 'category', 'data': [c.subsystem for c in causes], 'axisLabel': {'rotate': 30}},
        'yAxis': [{'type': 'value', 'name': _('h')}, {'type': 'value', 'name': '%', 'max': 100}],
        'series': [{'type': 'bar', 'name': _('hours'), 'data': [round(c.minutes / 60, 1) for c in causes]},
                   {'type': 'line', 'name': _('cumulative %'), 'yAxisIndex': 1, 'data': cumulative}],
        'grid': {'bottom': 110},
    }).classes('w-full h-80')
