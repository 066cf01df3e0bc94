"""The machine page's meters from the machine's own counters (issue 21): plates imaged and laser hours, each with
its latest value and the increase over the last 24 hours; nothing when the machine reports no counters."""
from nicegui import ui

from app.db import read_session
from app.i18n import N_, _, decimal_text
from app.services.access import Actor
from app.services.jmf import counters, reads
from components.design import SECTION
from components.worker import io

NAMES = {'production': N_('Plates imaged (current job)'), 'total_production': N_('Plates imaged (total)'),
         'hours': N_('Hour counter')}  # translated where shown


async def machine_meters(actor: Actor, machine_id: int) -> None:
    found = [m for m in await io(_read, actor, machine_id) if m.value is not None]
    if not found:
        return
    ui.label(_('Counters reported by the machine')).classes('text-xl font-bold mt-2').props(SECTION)
    with ui.element('div').classes('w-full grid grid-cols-2 md:grid-cols-3 gap-2').mark('machine-meters'):
        for meter in found:
            digits = 1 if meter.meter == 'hours' else 0
            with ui.card().classes('gap-0 p-3'):
                ui.label(_(NAMES.get(meter.meter, meter.meter))).classes('text-sm text-gray-500')
                ui.label(f'{decimal_text(meter.value or 0, digits=digits)} {meter.unit}'.strip()) \
                    .classes('text-2xl font-bold').mark(f'meter-{meter.meter}')
                ui.label(_('+{increase} in 24 h').format(increase=decimal_text(meter.increase, digits=digits))) \
                    .classes('text-xs text-gray-500')


def _read(actor: Actor, machine_id: int) -> list[counters.MeterSummary]:
    with read_session() as session:
        return reads.read_meters(session, actor=actor, machine_id=machine_id)
