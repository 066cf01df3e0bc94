"""/admin: the administration area's entry (admins only)."""
from nicegui import ui

from app.i18n import _
from components.admin import admin_nav
from components.layout import frame
from components.page import page
from components.session import require_page_admin


@page('/admin')
async def admin_page() -> None:
    actor = await require_page_admin()
    if actor is None:
        return
    with frame(_('Administration'), actor):
        admin_nav('/admin')
        ui.label(_('Choose a section above: users and their machines, machines, the failure taxonomy, operating '
                   'hours, wall displays and QR labels.')).classes('text-base')
