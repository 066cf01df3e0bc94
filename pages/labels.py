"""/labels: printable QR labels, one per machine; scanning one opens that machine's problem form."""
from nicegui import ui
from starlette.requests import Request

from app.config import get_settings
from app.db import read_session
from app.i18n import _
from app.models.schemas import MachinePublic
from app.services import labels, machines
from app.services.access import Actor
from components.layout import frame
from components.page import page
from components.session import require_page_actor
from components.worker import io

PRINT_CSS = '''
@media print { .q-header, .no-print { display: none !important; } .q-page-container { padding: 0 !important; }
  .ctp-label { break-inside: avoid; } }
.ctp-label { width: 8.5cm; border: 1px dashed #999; padding: .4cm; }
'''


@page('/labels')
async def labels_page(request: Request) -> None:
    actor = await require_page_actor()
    configured = bool(get_settings().public_origins)
    base = labels.public_base_url(get_settings().public_origins, str(request.base_url))
    warning = labels.address_warning(base, configured=configured)
    rows = await io(_machines, actor)
    ui.add_css(PRINT_CSS)
    with frame(_('Machine labels'), actor):
        with ui.row().classes('items-center gap-4 no-print'):
            ui.label(_('Print these and stick each on its machine: a scan opens its problem form.'))
            ui.button(_('Print'), icon='print', on_click=lambda: ui.run_javascript('window.print()')).classes(
                'min-h-[48px]')
        if warning:  # on screen and on the print: a label that cannot be scanned is worse than none
            with ui.row().classes('items-center gap-2 no-wrap w-full p-3 bg-amber-2 text-black rounded') \
                    .mark('label-address-warning'):
                ui.icon('warning').classes('text-2xl text-amber-10')
                ui.label(warning)
        with ui.row().classes('gap-4'):
            for machine in rows:
                _label(machine, labels.report_url(base, machine.id))


def _machines(actor: Actor) -> list[MachinePublic]:
    with read_session() as session:
        return machines.list_machines(session, actor=actor)


def _label(machine: MachinePublic, url: str) -> None:
    with ui.column().classes('ctp-label items-center gap-1').mark(f'label-{machine.id}'):
        ui.label(machine.name).classes('text-lg font-bold text-center')
        if machine.nickname:
            ui.label(machine.nickname)
        ui.image(labels.qr_svg_data_uri(url)).classes('w-48 h-48').props('no-spinner')
        ui.label(_('Scan to report a problem')).classes('text-sm')
        ui.label(url).classes('text-xs break-all text-center')
