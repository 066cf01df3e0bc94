"""The statistics page's "machines report themselves" block (issue 21): downtime the machines captured vs typed by
people, unexplained downtime, MTTA from the machine's own stop, micro-stops, and the state ledger per machine."""
from datetime import date

from nicegui import ui

from app.db import read_session
from app.i18n import N_, _, ngettext
from app.models import utcnow
from app.services import calendar
from app.services.access import Actor
from app.services.jmf import reads, truth
from components.design import duration_text, minutes_text, percent_text
from components.scroll_box import WIDE_TABLE, scroll_box
from components.worker import io

STATES = (('production', N_('Production')), ('standby', N_('Standby')), ('setup', N_('Setup/cleanup')),
          ('stopped', N_('Stopped')), ('down', N_('Down')), ('no_data', N_('No data')))  # translated where shown


async def machine_truth_figures(actor: Actor, first: date, last: date) -> None:
    """Shown when at least one machine in scope reports over JMF; nothing otherwise."""
    rows, plant = await io(_read, actor, first, last)
    if not plant.reports:
        return
    unexplained = ngettext('{count} stop', '{count} stops', plant.unexplained_count) \
        .format(count=plant.unexplained_count)
    tiles = [('captured', _('Captured by the machines'), duration_text(plant.machine_minutes), ''),
             ('typed', _('Typed by people'), duration_text(plant.typed_minutes), ''),
             ('unexplained', _('Still unexplained'), duration_text(plant.unexplained_minutes), unexplained),
             ('mtta', _('MTTA from the machine stop'), minutes_text(plant.mtta_minutes),
              _('n = {count}').format(count=plant.mtta_count)),
             ('micro', _('Micro-stops'), str(plant.micro_stops), '')]
    ui.label(_('Machines report themselves')).classes('text-lg font-bold mt-2')
    with ui.element('div').classes('w-full grid grid-cols-2 md:grid-cols-3 xl:grid-cols-5 gap-2') \
            .mark('machine-truth'):
        for key, title, value, note in tiles:
            with ui.card().classes('gap-0 p-3'):
                ui.label(title).classes('text-sm text-gray-500')
                ui.label(value).classes('text-2xl font-bold').mark(f'truth-{key}')
                ui.label(note).classes('text-xs text-gray-500')
    _ledger_table([row for row in rows if row.reports], plant)


def _ledger_table(rows: list[truth.Truth], plant: truth.Truth) -> None:
    columns = [{'name': 'machine', 'label': _('Machine'), 'field': 'machine', 'align': 'left'},
               *({'name': key, 'label': _(word), 'field': key} for key, word in STATES)]
    table_rows = [_shares(row.name, row.ledger_seconds) for row in rows]
    table_rows.append(_shares(_('Plant total'), plant.ledger_seconds))
    with scroll_box(_('State ledger per machine')):
        ui.table(columns=columns, rows=table_rows, row_key='machine').classes(WIDE_TABLE) \
            .props('flat bordered').mark('state-ledger')


def _shares(name: str, seconds: dict[str, float]) -> dict[str, str]:
    total = sum(seconds.values())
    return {'machine': name, **{key: percent_text(seconds.get(key, 0.0) / total if total else None)
                                for key, _word in STATES}}


def _read(actor: Actor, first: date, last: date) -> tuple[list[truth.Truth], truth.Truth]:
    start, end = calendar.local_range_bounds(first, last)
    end = min(end, utcnow())
    start = max(start, end - reads.MAX_WINDOW)  # the raw signals behind the ledger are kept for weeks, not years
    with read_session() as session:
        return truth.machine_truth(session, actor=actor, start=start, end=end)
