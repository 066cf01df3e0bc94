"""The shared frame of every page: plant name, navigation, user menu."""
from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import ui

from app.config import get_settings
from app.models import Role
from app.services.access import Actor


@contextmanager
def frame(title: str, actor: Actor) -> Iterator[None]:
    """Header with navigation for the actor's role; the page content goes inside."""
    ui.page_title(f'{title} · {get_settings().plant_name}')
    with ui.header().classes('items-center gap-2 bg-slate-800'):
        ui.link(get_settings().plant_name, '/').classes('text-white text-lg font-bold no-underline')
        ui.space()
        ui.link('Overview', '/').classes('text-white')
        if actor.role == Role.ADMIN:
            ui.link('Admin', '/admin').classes('text-white')
        with ui.button(icon='account_circle').props('flat round color=white').mark('user-menu'):
            with ui.menu():
                ui.menu_item(actor.name, lambda: ui.navigate.to('/profile'))
                ui.menu_item('Sign out', lambda: ui.navigate.to('/logout'))
    with ui.column().classes('w-full max-w-screen-xl mx-auto p-4 gap-4'):
        yield
