"""/machine-stops: the shift lead's list of machine stops still waiting for a reason (issue 21), live; those who
work the machines' problems answer with one tap, others (managers) see the list and open the problems."""
from nicegui import ui

from app.i18n import _
from components.layout import frame
from components.page import page
from components.session import require_page_actor
from components.stop_prompts import live_stop_prompts


@page('/machine-stops')
async def machine_stops_page() -> None:
    actor = await require_page_actor()
    with frame(_('Stops waiting for a reason'), actor):
        ui.label(_('Stops waiting for a reason')).classes('text-2xl font-bold')
        ui.label(_('Stops the machines reported themselves that nobody has explained yet, newest first.')) \
            .classes('text-gray-600 dark:text-gray-300')
        prompts = await live_stop_prompts()
        empty = ui.label(_('No stop is waiting for a reason.')).mark('no-stop-prompts')
        empty.bind_visibility_from(prompts.box, 'visible', backward=lambda shown: not shown)
