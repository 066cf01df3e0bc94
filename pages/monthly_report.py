"""/reports/monthly/{machine_id}?month=YYYY-MM: a printable one-page monthly report per machine."""
import calendar as month_calendar
from dataclasses import dataclass
from datetime import date

from nicegui import ui

from app import i18n
from app.config import get_settings
from app.db import read_session
from app.errors import DomainError
from app.i18n import _
from app.models import utcnow
from app.models.schemas import MachinePublic, ProblemLogPublic
from app.services import calendar, machines, problem_queries, stats
from app.services.access import Action, Actor, require
from app.services.problem_queries import ProblemFilter
from components.design import duration_text, local_text
from components.layout import frame
from components.notice import refusal_for
from components.page import page
from components.session import require_page_actor
from components.stats_view import minutes, not_machine_faults, percent, with_n
from components.worker import io

PRINT_CSS = '''
@page { size: A4; margin: 10mm; }
@media print {
  .q-header, .q-drawer, .no-print { display: none !important; }
  .q-page-container { padding: 0 !important; } .nicegui-content { padding: 0 !important; gap: 6px !important; }
  body { font-size: 10px; } .text-2xl { font-size: 16px; line-height: 1.2; } .text-lg { font-size: 12px; }
  .ctp-kpi { padding: 2px 6px !important; box-shadow: none; border: 1px solid #ccc; }
  .ctp-kpi-grid { grid-template-columns: repeat(6, minmax(0, 1fr)) !important; gap: 4px !important; }
  .ctp-report-row { font-size: 9px !important; line-height: 1.25; }
}
.ctp-report-text { min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
'''  # one A4 page (tests/browser/test_monthly_report_print.py prints it and counts the pages)


@dataclass
class Monthly:
    machine: MachinePublic
    kpis: stats.MachineStats
    problems: list[ProblemLogPublic]
    total: int


@page('/reports/monthly/{machine_id:id}')
async def monthly_report_page(machine_id: int, month: str = '') -> None:
    actor = await require_page_actor()
    first = _month_start(month)
    last = first.replace(day=month_calendar.monthrange(first.year, first.month)[1])
    try:
        data = await io(_load, actor, machine_id, first, last)
    except DomainError as error:
        with frame(_('Monthly report'), actor):
            refusal_for(error)
        return
    ui.add_css(PRINT_CSS)
    with frame(f'{data.machine.name} {i18n.month_text(first)}', actor):
        _header(data, first, machine_id)
        _kpis(data.kpis)
        if data.total != data.kpis.problem_count:  # the list shows every problem; the KPIs count machine faults
            ui.label(_('Problems counts {counted} machine problems; {total} problems were reported, the others '
                       '(e.g. workflow/RIP) are listed below but not counted.').format(
                counted=data.kpis.problem_count, total=data.total)) \
                .classes('text-sm text-grey-8').mark('count-note')
        _causes(data.kpis)
        _problems(data)


def _month_start(month: str) -> date:
    try:
        year, number = (int(part) for part in month.split('-'))
        return date(year, number, 1)
    except ValueError:
        today = utcnow().astimezone(get_settings().zone).date()
        return today.replace(day=1)


def _load(actor: Actor, machine_id: int, first: date, last: date) -> Monthly:
    start, end = calendar.local_range_bounds(first, last)
    with read_session() as session:
        require(actor, Action.READ_STATS)
        machine = machines.get_machine(session, actor=actor, machine_id=machine_id)
        until = min(end, max(start, utcnow()))  # the current month counts up to now
        kpis = stats.machine_stats(session, actor=actor, start=start, end=until, machine_ids=[machine_id])[machine_id]
        page = problem_queries.list_problems(session, actor=actor, filters=ProblemFilter(
            machine_id=machine_id, date_from=first, date_to=last, sort='-downtime_minutes', limit=10))
    return Monthly(machine, kpis, page.items, page.total)


def _header(data: Monthly, first: date, machine_id: int) -> None:
    previous = (first.replace(day=1).toordinal() - 1)
    prev_month = date.fromordinal(previous).strftime('%Y-%m')
    next_month = date(first.year + first.month // 12, first.month % 12 + 1, 1).strftime('%Y-%m')
    with ui.row().classes('w-full items-center'):
        ui.label(_('{machine} — monthly report {month}').format(
            machine=data.machine.name, month=i18n.month_text(first))).classes('text-2xl font-bold')
        ui.space()
        with ui.row().classes('no-print gap-2'):
            ui.link('◀ ' + _('previous'), f'/reports/monthly/{machine_id}?month={prev_month}')
            ui.link(_('next') + ' ▶', f'/reports/monthly/{machine_id}?month={next_month}')
            ui.button(_('Print'), icon='print', on_click=lambda: ui.run_javascript('window.print()'))


def _kpis(k: stats.MachineStats) -> None:
    cells = [(_('Problems'), str(k.problem_count)), (_('Unplanned stops'), str(k.episodes)),
             (_('Unplanned downtime'), minutes(k.unplanned_downtime_minutes)),
             (_('Planned downtime'), minutes(k.planned_downtime_minutes)),
             (_('MTTR'), with_n(minutes(k.mttr_minutes), k.episodes)),
             (_('MTBF'), with_n(minutes(k.mtbf_minutes), k.episodes)),
             (_('MTTA'), with_n(minutes(k.mtta_minutes), k.ack_count)),
             (_('Vendor response'), with_n(minutes(k.vendor_response_minutes), k.vendor_count)),
             (_('Availability (shifts)'), percent(k.availability)),
             (_('Availability (24/7)'), percent(k.availability_24_7)),
             (_('Plates lost'), str(k.plates_lost)),
             (_('First-time fix'), with_n(percent(k.first_time_fix_rate), k.failure_count)),
             (_('Reopens'), str(k.reopen_count)), (_('Not machine faults'), not_machine_faults(k))]
    with ui.grid(columns=4).classes('w-full gap-2 ctp-kpi-grid'):
        for name, value in cells:
            with ui.card().classes('p-2 ctp-kpi'):
                ui.label(name).classes('text-xs text-grey-7')
                ui.label(value).classes('text-lg font-bold')


def _causes(k: stats.MachineStats) -> None:
    ui.label(_('Top causes (unplanned downtime)')).classes('text-lg font-bold')
    biggest = max((c.minutes for c in k.top_causes), default=0.0) or 1.0
    for cause in k.top_causes[:6]:
        with ui.row().classes('w-full items-center gap-2 no-wrap'):
            ui.label(cause.subsystem).classes('w-64 shrink-0')
            ui.element('div').classes('bg-red-7 h-3').style(f'width: {int(60 * cause.minutes / biggest)}%')
            ui.label(f'{duration_text(cause.minutes)} ({cause.count})')


def _problems(data: Monthly) -> None:
    ui.label(_('Longest problems ({shown} of {total}; times in {zone})').format(
        shown=len(data.problems), total=data.total, zone=get_settings().timezone)) \
        .classes('text-lg font-bold')
    for problem in data.problems:
        with ui.row().classes('w-full gap-2 no-wrap text-sm ctp-report-row'):
            ui.label(local_text(problem.start_time)).classes('w-24 shrink-0')
            ui.label(problem.category or '—').classes('w-72 shrink-0 ctp-report-text')
            ui.label(problem.solution or problem.problem_description).classes('grow ctp-report-text')
            ui.label(duration_text(problem.downtime_minutes)).classes('min-w-20 text-right shrink-0 whitespace-nowrap')
