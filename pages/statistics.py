"""/statistics: downtime statistics of the machines the person may read (access.py READ_STATS), with drill-down and
exports."""
from dataclasses import dataclass
from datetime import date, timedelta

from nicegui import ui

from app.config import get_settings
from app.db import read_session
from app.models import utcnow
from app.models.schemas import ProblemLogPage, ProblemLogPublic
from app.services import calendar, machines, problem_queries, stats
from app.services.access import ROLE_ACTIONS, Action, Actor
from app.services.problem_queries import ProblemFilter
from components import stats_view
from components.design import TOUCH_LINK, duration_text
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
    if actor is None:
        return
    if Action.READ_STATS not in ROLE_ACTIONS[actor.role]:
        with frame('Statistics', actor):
            refusal(NOT_ALLOWED, 'Your role cannot read statistics.')
        return
    today = utcnow().astimezone(get_settings().zone).date()
    preset = preset if preset in stats_view.PRESETS else 'Last 30 days'
    first, last = stats_view.preset_range(preset, today)
    state = {'first': first, 'last': last}

    @ui.refreshable
    async def body() -> None:
        report = await io(build_report, actor, state['first'], state['last'])
        with ui.row().classes('w-full items-center gap-4'):
            so_far = ' (so far)' if state['last'] >= today else ''
            ui.label(f"{state['first']:%d %b %Y} – {state['last']:%d %b %Y}{so_far}").classes('text-lg font-bold')
            ui.space()
            query = f"from={state['first']}&to={state['last']}"
            ui.link('Excel', f'/api/exports/stats.xlsx?{query}').classes(TOUCH_LINK)
            ui.link('CSV', f'/api/exports/stats.csv?{query}').classes(TOUCH_LINK)
            ui.link('Problems (Excel)', f'/api/exports/problem-logs.xlsx?{query}') \
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
            date_from.value, date_to.value = str(state['first']), str(state['last'])
        for preset_name, button in presets.items():
            button.props(remove='outline unelevated').props('unelevated' if preset_name == name else 'outline')
        body.refresh()

    def custom() -> None:
        if not date_from.value or not date_to.value or date_from.value > date_to.value:
            ui.notify('Choose a start date on or before the end date', type='negative')
            return
        state['first'], state['last'] = date.fromisoformat(date_from.value), date.fromisoformat(date_to.value)
        choose(None)

    with frame('Statistics', actor):
        with ui.row().classes('items-center gap-2 flex-wrap'):
            presets = {name: ui.button(name, on_click=lambda n=name: choose(n)).props(
                'unelevated' if name == preset else 'outline').classes('min-h-[48px]').mark(f'preset-{name}')
                for name in stats_view.PRESETS}
            date_from = ui.input('From', value=str(first)).props('type=date')
            date_to = ui.input('To', value=str(last)).props('type=date')
            ui.button('Show', on_click=custom).classes('min-h-[48px]')
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
    return Report(rows, stats_view.kpi_row('Plant total', total, None), total.top_causes,
                  [f'{a:%d %b}' for a, _ in weeks], trend)


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
    whose = page.items[0].machine_name if machine_id and page.items else 'All machines'
    plural = '' if page.total == 1 else 's'
    with named_dialog(f'{whose}: {page.total} problem{plural}') as dialog, ui.card().classes('w-full max-w-3xl'):
        ui.label(f'{whose}: {page.total} problem{plural}').classes('text-lg font-bold').mark('drill-down')
        ui.label(f"{state['first']:%d %b %Y} – {state['last']:%d %b %Y}, longest downtime first"
                 + (f' (the first {len(page.items)})' if page.total > len(page.items) else '')).classes('text-grey-8')
        for problem in page.items:
            _problem_line(problem)
        ui.button('Close', on_click=dialog.close).classes('min-h-[48px]')
    dialog.open()


def _problems(actor: Actor, filters: ProblemFilter) -> ProblemLogPage:
    with read_session() as session:
        return problem_queries.list_problems(session, actor=actor, filters=filters)


def _problem_line(problem: ProblemLogPublic) -> None:
    with ui.row().classes('w-full items-center gap-3 no-wrap'):
        ui.label(f'{problem.start_time.astimezone(get_settings().zone):%d %b %H:%M}').classes('w-28 shrink-0')
        ui.label(problem.machine_name).classes('w-40 shrink-0')
        ui.label(problem.category or problem.problem_description[:60]).classes('grow')
        ui.label(duration_text(problem.downtime_minutes)).classes('w-24 text-right shrink-0')
        ui.link('Open problem', f'/problem-logs/{problem.id}').classes('min-h-[48px] inline-flex items-center shrink-0')
