"""/admin: the administration area's entry (admins only)."""
from nicegui import ui

from components.admin import SECTIONS, admin_nav
from components.layout import frame
from components.session import require_page_admin


@ui.page('/admin')
async def admin_page() -> None:
    actor = await require_page_admin()
    if actor is None:
        return
    with frame('Administration', actor):
        admin_nav('/admin')
        ui.label('Administration').classes('text-xl')
        with ui.column():
            for label, path in SECTIONS:
                ui.link(f'Manage {label.lower()}', path)
