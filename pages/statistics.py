"""/statistics: downtime statistics of the machines the person may read (access.py READ_STATS), with drill-down and
exports."""
from dataclasses import dataclass
from datetime import date, timedelta

from nicegui import ui

from app import i18n
from app.config import get_settings
from app.db import read_session
from app.i18n import _, ngettext
from app.models import utcnow
from app.models.schemas import ProblemLogPage, ProblemLogPublic
from app.services import calendar, machines, problem_queries, stats
from app.services.access import ROLE_ACTIONS, Action, Actor
from app.services.problem_queries import ProblemFilter
from components import stats_view
from components.date_field import DateField
from components.date_range import range_text
from components.design import TOUCH_LINK, duration_text, local_text
from components.dialog import named_dialog
from components.layout import frame
from components.machine_truth import machine_truth_figures
from components.maintenance_view import maintenance_figures
from components.notice import NOT_ALLOWED, refusal
from components.page import page
from components.session import require_page_actor
from components.worker import io


@dataclass
class Report:
    rows: list[dict[str, object]]
    total: dict[str, object]
    causes: list[stats.CauseRow]
    week_labels: list[str]
    week_minutes: list[float | None]


@page('/statistics')
async def statistics_page(preset: str = 'Last 30 days') -> None:
    actor = await require_page_actor()
    if Action.READ_STATS not in ROLE_ACTIONS[actor.role]:
        with frame(_('Statistics'), actor):
            refusal(NOT_ALLOWED, _('Your role cannot read statistics.'))
        return
    today = utcnow().astimezone(get_settings().zone).date()
    preset = preset if preset in stats_view.PRESETS else 'Last 30 days'
    first, last = stats_view.preset_range(preset, today)
    state = {'first': first, 'last': last}

    @ui.refreshable
    async def body() -> None:
        report = await io(build_report, actor, state['first'], state['last'])
        with ui.row().classes('w-full items-center gap-4'):
            ui.label(range_text(state['first'], state['last'], today)).classes('text-lg font-bold').mark('range')
            ui.space()
            query = f"from={state['first']}&to={state['last']}&lang={i18n.current_language()}"  # the screen's
            ui.link('Excel', f'/api/exports/stats.xlsx?{query}').classes(TOUCH_LINK)
            ui.link('CSV', f'/api/exports/stats.csv?{query}').classes(TOUCH_LINK)
            ui.link(_('Problems (Excel)'), f'/api/exports/problem-logs.xlsx?{query}') \
                .classes(TOUCH_LINK)
        stats_view.kpi_table([*report.rows, report.total], lambda mid: drill_down(actor, mid, state))
        with ui.row().classes('w-full no-wrap max-md:flex-wrap'):
            stats_view.trend_chart(report.week_labels, report.week_minutes)
            stats_view.pareto_chart(report.causes)
        await maintenance_figures(actor, state['first'], state['last'])  # issue 22
        await machine_truth_figures(actor, state['first'], state['last'])  # issue 21

    def choose(name: str | None) -> None:
        """A preset fills the From/To fields and stays highlighted; a custom range highlights none."""
        if name is not None:
            state['first'], state['last'] = stats_view.preset_range(name, today)
            date_from.set(state['first'])
            date_to.set(state['last'])
        for preset_name, button in presets.items():
            button.props(remove='outline unelevated').props('unelevated' if preset_name == name else 'outline')
        body.refresh()

    def custom() -> None:
        try:
            first, last = date_from.value, date_to.value
        except ValueError as error:
            ui.notify(str(error), type='negative')
            return
        if first is None or last is None or first > last:
            ui.notify(_('Choose a start date on or before the end date'), type='negative')
            return
        state['first'], state['last'] = first, last
        choose(None)

    with frame(_('Statistics'), actor):
        with ui.row().classes('items-center gap-2 flex-wrap'):
            presets = {name: ui.button(_(name), on_click=lambda n=name: choose(n)).props(
                'unelevated' if name == preset else 'outline').classes('min-h-[48px]').mark(f'preset-{name}')
                for name in stats_view.PRESETS}
            date_from = DateField(_('From'), first, mark='date-from')
            date_to = DateField(_('To'), last, mark='date-to')
            ui.button(_('Show'), on_click=custom).classes('min-h-[48px]').mark('show-range')
        await body()


def build_report(actor: Actor, first: date, last: date) -> Report:
    start, end = calendar.local_range_bounds(first, last)
    weeks = _weeks(first, last)
    with read_session() as session:
        names = machines.names(session)
        per = stats.machine_stats(session, actor=actor, start=start, end=end)
        buckets = [calendar.local_range_bounds(a, b) for a, b in weeks]
        trend = stats.downtime_trend(session, actor=actor, buckets=buckets)
    total = stats.plant_totals(per)
    rows = sorted((stats_view.kpi_row(names.get(mid, '?'), row, mid) for mid, row in per.items() if row.counted),
                  key=lambda r: -float(r['downtime_raw']))  # type: ignore[arg-type]
    return Report(rows, stats_view.kpi_row(_('Plant total'), total, None), total.top_causes,
                  [i18n.day_month_text(a) for a, _last in weeks], trend)


def _weeks(first: date, last: date) -> list[tuple[date, date]]:
    """Monday-based weeks covering the range, clipped to it."""
    start = first - timedelta(days=first.weekday())
    weeks = []
    while start <= last:
        weeks.append((max(start, first), min(start + timedelta(days=6), last)))
        start += timedelta(days=7)
    return weeks


async def drill_down(actor: Actor, machine_id: int, state: dict[str, date]) -> None:
    """The problems behind a machine's numbers, longest downtime first."""
    filters = ProblemFilter(machine_id=machine_id or None, date_from=state['first'], date_to=state['last'],
                            sort='-downtime_minutes', limit=200)
    page = await io(_problems, actor, filters)
    whose = page.items[0].machine_name if machine_id and page.items else _('All machines')
    title = ngettext('{machine}: {count} problem', '{machine}: {count} problems', page.total).format(
        machine=whose, count=page.total)
    with named_dialog(title) as dialog, ui.card().classes('w-full max-w-3xl'):
        ui.label(title).classes('text-lg font-bold').mark('drill-down')
        shown = _('{first} – {last}, longest downtime first').format(
            first=i18n.date_text(state['first']), last=i18n.date_text(state['last']))
        if page.total > len(page.items):
            shown = _('{range} (the first {count})').format(range=shown, count=len(page.items))
        ui.label(shown).classes('text-grey-8')
        for problem in page.items:
            _problem_line(problem)
        ui.button(_('Close'), on_click=dialog.close).classes('min-h-[48px]')
    dialog.open()


def _problems(actor: Actor, filters: ProblemFilter) -> ProblemLogPage:
    with read_session() as session:
        return problem_queries.list_problems(session, actor=actor, filters=filters)


def _problem_line(problem: ProblemLogPublic) -> None:
    with ui.row().classes('w-full items-center gap-3 no-wrap'):
        ui.label(local_text(problem.start_time)).classes('w-28 shrink-0')
        ui.label(problem.machine_name).classes('w-40 shrink-0')
        ui.label(problem.category or problem.problem_description[:60]).classes('grow')
        ui.label(duration_text(problem.downtime_minutes)).classes('w-24 text-right shrink-0')
        ui.link(_('Open problem'), f'/problem-logs/{problem.id}') \
            .classes('min-h-[48px] inline-flex items-center shrink-0')
