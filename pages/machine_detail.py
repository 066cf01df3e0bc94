"""/machines/{id}: status, statistics for 7/30/90 days or a custom range, charts, and the problem history, live."""
from dataclasses import dataclass
from datetime import date, timedelta

from nicegui import ui

from app import events, i18n
from app.config import get_settings
from app.db import read_session
from app.errors import DomainError
from app.i18n import N_, _, ngettext
from app.models import utcnow
from app.models.schemas import MachinePublic
from app.services import calendar, machines, stats, taxonomy
from app.services.access import ROLE_ACTIONS, Action, Actor
from app.services.stats import MachineStats, headline_is_24_7
from components.date_range import range_text
from components.design import BIG_BUTTON, SECTION, TOUCH_LINK, duration_text, minutes_text, percent_text
from components.downtime_chart import downtime_chart, pareto_chart
from components.layout import frame
from components.machine_meters import machine_meters
from components.maintenance_view import maintenance_section
from components.notice import refusal_for
from components.page import page
from components.problem_log_table import ProblemLogTable
from components.session import require_page_actor
from components.status_badge import status_badge
from components.worker import io

RANGES = {7: N_('7 days'), 30: N_('30 days'), 90: N_('90 days'), 0: N_('Custom')}  # untranslated


@dataclass
class Window:
    days: int  # 0: custom
    first: date
    last: date


@dataclass
class Report:
    machine: MachinePublic
    total: MachineStats | None
    weeks: list[tuple[str, float | None, float | None]]


@page('/machines/{machine_id:id}')
async def machine_detail_page(machine_id: int) -> None:
    actor = await require_page_actor()
    today = utcnow().astimezone(get_settings().zone).date()
    window = Window(30, today - timedelta(days=29), today)

    @ui.refreshable
    async def summary() -> None:
        try:
            report = await io(_report, actor, machine_id, window.first, window.last)
        except DomainError as error:
            refusal_for(error)
            history.set_visibility(False)  # no empty, working-looking table under "not found"
            return
        history.set_visibility(True)
        _machine_header(report.machine, Action.REPORT in ROLE_ACTIONS[actor.role])
        if report.total is not None:
            with ui.row().classes('w-full items-center gap-2'):
                ui.toggle({days: _(word) for days, word in RANGES.items()}, value=window.days,
                          on_change=lambda e: choose(int(e.value))) \
                    .props('no-caps').mark('range')
                ui.label(range_text(window.first, window.last, today)).classes('text-gray-500') \
                    .mark('window')
                ui.space()
                _downloads(machine_id, window.first, window.last)
            if window.days == 0:
                ui.date(value={'from': window.first.isoformat(), 'to': window.last.isoformat()},
                        on_change=lambda e: custom_range(e.value)).props('range minimal').mark('custom-range')
            _kpis(report.total, report.machine.status)
            with ui.element('div').classes('w-full grid grid-cols-1 lg:grid-cols-2 gap-4'):
                with ui.card().classes('w-full'):
                    ui.label(_('Downtime per week')).classes('font-bold')
                    downtime_chart(report.weeks)
                with ui.card().classes('w-full'):
                    ui.label(_('Top causes (unplanned downtime)')).classes('font-bold')
                    pareto_chart(report.total.top_causes)

    def choose(days: int) -> None:
        window.days = days
        if days:
            window.first, window.last = today - timedelta(days=days - 1), today
        summary.refresh()

    def custom_range(value: object) -> None:
        if isinstance(value, str) and value:  # one day picked
            value = {'from': value, 'to': value}
        if isinstance(value, dict) and value.get('from') and value.get('to'):
            window.first = date.fromisoformat(value['from'].replace('/', '-'))
            window.last = date.fromisoformat(value['to'].replace('/', '-'))
            summary.refresh()

    with frame(_('Machine'), actor):
        top, history = ui.column().classes('w-full gap-4'), ui.column().classes('w-full gap-2')
        with history:
            ui.label(_('Problem history')).classes('text-xl font-bold mt-2').props(SECTION)
            table = ProblemLogTable(actor, machine_id, await io(_subsystems))
        with top:
            await summary()  # hides the history when the machine is not found
        if history.visible:
            await table.reload()
            await maintenance_section(actor, machine_id)  # plan and history (issue 22)
            await machine_meters(actor, machine_id)  # the machine's own counters (issue 21)

    async def on_machine(changed: int) -> None:
        if changed == machine_id:
            summary.refresh()
            await table.reload()
    async def on_access(user_id: int) -> None:
        if user_id == actor.user_id:  # an unassigned machine turns into 'not found' at once
            summary.refresh()
            await table.reload()
    events.machine_changed.subscribe(on_machine)
    events.access_changed.subscribe(on_access)


def _subsystems() -> dict[int, str]:
    with read_session() as session:
        return {parent.id: taxonomy.shown_name(parent) for parent, _ in taxonomy.list_tree(session)}  # type: ignore[misc]


def _report(actor: Actor, machine_id: int, first: date, last: date) -> Report:
    with read_session() as session:
        machine = machines.get_machine(session, actor=actor, machine_id=machine_id)
        if Action.READ_STATS not in ROLE_ACTIONS.get(actor.role, frozenset()):
            return Report(machine, None, [])
        start, end = calendar.local_range_bounds(first, last)
        total = stats.machine_stats(session, actor=actor, start=start, end=end, machine_ids=[machine_id])[machine_id]
        mondays = [first - timedelta(days=first.weekday() - 7 * n) for n in range((last - first).days // 7 + 2)]
        mondays = [monday for monday in mondays if monday <= last]
        buckets = [calendar.local_range_bounds(max(m, first), min(m + timedelta(days=6), last)) for m in mondays]
        unplanned = stats.downtime_trend(session, actor=actor, buckets=buckets, machine_ids=[machine_id])
        every = stats.downtime_trend(session, actor=actor, buckets=buckets, machine_ids=[machine_id], planned=None)
    weeks = [(i18n.day_month_text(m), u, None if u is None or a is None else max(0.0, a - u))  # None: outside its life
             for m, u, a in zip(mondays, unplanned, every, strict=True)]
    return Report(machine, total, weeks)


def _machine_header(machine: MachinePublic, may_report: bool) -> None:
    with ui.row().classes('w-full items-center gap-3'):
        ui.label(machine.name).classes('text-2xl font-bold')
        status_badge(machine.status, marker='machine-status')
        ui.space()
        if may_report and machine.retired_at is None:
            ui.button(_('Report problem'), icon='report', on_click=lambda: ui.navigate.to(
                f'/machines/{machine.id}/report')).props('color=red-8').classes(BIG_BUTTON).mark('report')
    details = [machine.maker_model, machine.location, machine.description]
    if any(details):
        ui.label(' · '.join(d for d in details if d)).classes('text-gray-500')
    if machine.open_problem is not None:
        with ui.link(target=f'/problem-logs/{machine.open_problem.id}') \
                .classes('flex items-center min-h-[48px] no-underline'):
            ui.label(_('Open: {category} – {description}').format(
                category=machine.open_problem.category or _('Uncategorised'),
                description=machine.open_problem.problem_description)).classes('text-base font-bold text-red-700')


def _downloads(machine_id: int, first: date, last: date) -> None:
    """This machine's problems for the range on screen as Excel or CSV, and its monthly report."""
    query = f'machine_id={machine_id}&from={first}&to={last}&lang={i18n.current_language()}'
    ui.link('Excel', f'/api/exports/problem-logs.xlsx?{query}').classes(TOUCH_LINK)
    ui.link('CSV', f'/api/exports/problem-logs.csv?{query}').classes(TOUCH_LINK)
    ui.link(_('Monthly report'), f'/reports/monthly/{machine_id}?month={last:%Y-%m}').classes(
        TOUCH_LINK)


def _kpis(total: MachineStats, status: str) -> None:
    n = total.episodes
    tiles = [
        (_('Downtime (unplanned)'), duration_text(total.unplanned_downtime_minutes),
         ngettext('n = {count} stop', 'n = {count} stops', n).format(count=n)),
        (_('Planned downtime'), duration_text(total.planned_downtime_minutes), n_text(total.planned_count)),
        (_('MTTR'), minutes_text(total.mttr_minutes), n_text(n)),
        (_('MTBF'), minutes_text(total.mtbf_minutes), n_text(n)),
        headline_availability(total, status),
        (_('Problems'), str(total.problem_count), _('{failures} failures · {planned} planned').format(
            failures=total.failure_count, planned=total.planned_count)),
        (_('MTTA'), minutes_text(total.mtta_minutes), n_text(total.ack_count)),
        (_('Vendor response'), minutes_text(total.vendor_response_minutes), n_text(total.vendor_count)),
        (_('First-time fix'), percent_text(total.first_time_fix_rate),
         _('n = {count} · {reopens} reopens').format(count=total.failure_count, reopens=total.reopen_count)),
        (_('Not machine faults'), duration_text(total.not_machine_fault_minutes),
         n_text(total.not_machine_fault_count)),
    ]
    with ui.element('div').classes('w-full grid grid-cols-2 md:grid-cols-3 xl:grid-cols-5 gap-2').mark('kpis'):
        for title, value, note in tiles:
            with ui.card().classes('gap-0 p-3'):
                ui.label(title).classes('text-sm text-gray-500')
                ui.label(value).classes('text-2xl font-bold')
                ui.label(note).classes('text-xs text-gray-500')


def headline_availability(total: MachineStats, status: str) -> tuple[str, str, str]:
    """Title, figure and note of the availability tile: the one that matches the card (stats.headline_is_24_7)."""
    shifts, full = percent_text(total.availability), percent_text(total.availability_24_7)
    if headline_is_24_7(total, status):
        return _('Availability (24/7)'), full, _('shifts: {share} · down now').format(share=shifts)
    return _('Availability (shifts)'), shifts, _('24/7: {share}').format(share=full)


def n_text(count: int) -> str:
    """The number of events behind a figure: 'n = 4' (DOMAIN.md §5)."""
    return _('n = {count}').format(count=count)



