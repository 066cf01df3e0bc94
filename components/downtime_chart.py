"""Charts with ui.echart. Option keys are code literals only (GHSA-m47w-xwfc-82pf); user text goes in values."""
from nicegui import ui

from app.i18n import _
from app.services.stats import CauseRow


def downtime_chart(weeks: list[tuple[str, float | None, float | None]]) -> ui.echart:
    """Stacked bars of unplanned and planned downtime hours per week: rows are (week label, unplanned, planned);
    None (a week outside the machine's life or in the future) draws no bar."""
    unplanned, planned = _('Unplanned'), _('Planned')
    return ui.echart({
        'tooltip': {'trigger': 'axis'},
        'legend': {'data': [unplanned, planned], 'top': 0, 'right': 0},
        'grid': {'left': 40, 'right': 16, 'top': 48, 'bottom': 28},
        'xAxis': {'type': 'category', 'data': [label for label, _, _ in weeks]},
        'yAxis': {'type': 'value', 'name': _('hours')},
        'series': [
            {'name': unplanned, 'type': 'bar', 'stack': 'down', 'color': '#c62828',
             'data': [_hours(u) for _, u, _ in weeks]},
            {'name': planned, 'type': 'bar', 'stack': 'down', 'color': '#1565c0',
             'data': [_hours(p) for _, _, p in weeks]},
        ],
    }).classes('w-full h-72').mark('downtime-chart')


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 1)


def pareto_chart(causes: list[CauseRow]) -> ui.echart:
    """Unplanned downtime by subsystem, largest first, with the cumulative share as a line."""
    total = sum(c.minutes for c in causes) or 1.0
    cumulative, running = [], 0.0
    for cause in causes:
        running += cause.minutes
        cumulative.append(round(100 * running / total, 1))
    return ui.echart({
        'tooltip': {'trigger': 'axis'},
        'grid': {'left': 40, 'right': 40, 'top': 36, 'bottom': 90},
        'xAxis': {'type': 'category', 'data': [f'{c.subsystem} (n={c.count})' for c in causes],
                  'axisLabel': {'rotate': 30, 'interval': 0}},
        'yAxis': [{'type': 'value', 'name': _('hours')}, {'type': 'value', 'name': '%', 'max': 100}],
        'series': [
            {'name': _('Downtime'), 'type': 'bar', 'color': '#c62828',
             'data': [round(c.minutes / 60, 1) for c in causes]},
            {'name': _('Cumulative %'), 'type': 'line', 'yAxisIndex': 1, 'color': '#37474f', 'data': cumulative},
        ],
    }).classes('w-full h-80').mark('pareto-chart')
