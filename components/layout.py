"""The shared frame of every page: plant name, navigation, notification bell, user menu, light/dark theme."""
from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import app as nicegui_app
from nicegui import background_tasks, ui

from app.config import get_settings
from app.i18n import N_, _
from app.models import Role
from app.services.access import ROLE_ACTIONS, Action, Actor
from components.design import TITLE, TOUCH, TOUCH_CSS
from components.notification_bell import NotificationBell
from components.session import page_storage, sign_out_form


def _roles_that_may(action: Action) -> frozenset[Role]:
    return frozenset(role for role, actions in ROLE_ACTIONS.items() if action in actions)


# (label, path, icon, roles allowed or None for everyone); shown only when the page exists
NAVIGATION: list[tuple[str, str, str, frozenset[Role] | None]] = [
    (N_('Overview'), '/', 'dashboard', None),
    (N_('Problems'), '/problems', 'list', None),
    (N_('Maintenance'), '/maintenance', 'build', None),
    (N_('Statistics'), '/statistics', 'insights', _roles_that_may(Action.READ_STATS)),
    (N_('Wall display'), '/display', 'tv', frozenset({Role.ADMIN, Role.MANAGER})),
    (N_('Notifications'), '/notifications', 'notifications', None),
    (N_('Admin'), '/admin', 'admin_panel_settings', _roles_that_may(Action.ADMINISTER)),
]
ROLE_WORDS = {Role.ADMIN: N_('admin'), Role.MANAGER: N_('manager'), Role.CTP_USER: N_('CTP user'),
              Role.NONE: N_('none')}
THEME_KEY = 'dark_mode'
MENU_ITEM = 'role=menuitem'  # Quasar's items are list items; in a menu, assistive technology expects menu items
# a link laid out as one of Quasar's menu items (q-item's own classes), its hover and focus drawn by ICON_CSS
MENU_LINK = 'q-item q-item-type row no-wrap items-center ctp-menu-link'
# An icon drawn by its element's own ::before (a ligature of the icon font NiceGUI already loads) from `data-icon`,
# so a navigation link or a status word is one element; `/ ''` gives the glyph no spoken text.
ICON_CSS = '''<style>
.ctp-icon { display: inline-flex; align-items: center; gap: .5rem; }
.ctp-icon::before { content: attr(data-icon) / ''; font-family: 'Material Icons'; font-weight: normal;
  font-style: normal; font-size: 1.5rem; line-height: 1; letter-spacing: normal; text-transform: none;
  white-space: nowrap; word-wrap: normal; direction: ltr; font-feature-settings: 'liga';
  -webkit-font-smoothing: antialiased; }
.ctp-nav { color: white; text-decoration: none; padding: 0 .75rem; border-radius: 4px; font-weight: 500;
  white-space: nowrap; }
.ctp-nav:hover, .ctp-nav:focus-visible { background: rgba(255, 255, 255, .15); }
.ctp-menu-link { color: inherit; text-decoration: none; }
.ctp-menu-link:hover, .ctp-menu-link:focus-visible { background: rgba(127, 127, 127, .15); }
</style>'''


@contextmanager
def frame(title: str, actor: Actor) -> Iterator[None]:
    """Header with navigation for the actor's role; the page content goes inside. `title` comes translated."""
    plant = get_settings().plant_name
    ui.page_title(f'{title} · {plant}')
    ui.add_head_html(ICON_CSS + TOUCH_CSS)
    dark = ui.dark_mode(value=bool(nicegui_app.storage.user.get(THEME_KEY, False)))
    items = [(_(label), path, icon) for label, path, icon, roles in NAVIGATION
             if (roles is None or actor.role in roles) and _page_exists(path)]
    wide = _links_fit_from(items, title, plant)
    with ui.header().classes('items-center gap-1 bg-slate-800 px-2 sm:px-4 py-1 no-wrap'):
        with ui.button(icon='menu').props('flat round color=white') \
                .classes(f'{TOUCH} {wide}:hidden').mark('nav-menu') as menu_button:
            menu_button.props['aria-label'] = _('Menu')
            with ui.menu():
                for label, path, _icon in items:  # links: they navigate (one element each, no server round trip)
                    ui.link(label, path).props(MENU_ITEM).classes(replace=f'{MENU_LINK} {TOUCH}')
        # one line 48 px high: a touch target whose name can still end in an ellipsis
        ui.link(plant, '/').classes('text-white text-lg sm:text-xl font-bold no-underline truncate block '
                                    'leading-[48px] min-w-[48px]')
        # the screen's title: shown from the large size on, read by screen readers at every size
        ui.label(title).classes('text-slate-300 text-base max-lg:sr-only ml-2').props(TITLE)
        ui.space()
        with ui.row().classes(f'gap-1 max-{wide}:hidden items-center no-wrap'):
            for label, path, icon in items:  # links, not buttons: they navigate (and cost a page less per update)
                ui.link(label, path).props(f'data-icon={icon}').classes(replace=f'ctp-icon ctp-nav {TOUCH}')
        bell = NotificationBell(actor)
        _user_menu(actor, dark)
    background_tasks.create(bell.load(), name='bell-load')
    with ui.column().classes('w-full max-w-screen-2xl mx-auto p-2 sm:p-4 gap-4'):
        yield


def _user_menu(actor: Actor, dark: ui.dark_mode) -> None:
    def toggle_theme() -> None:
        dark.value = not dark.value
        page_storage()[THEME_KEY] = bool(dark.value)  # the page's own session, also in this handler

    account = ui.button(icon='account_circle').props('flat round color=white').classes(TOUCH).mark('user-menu')
    # set directly, not through the props parser: a name may hold quotes
    account.props['aria-label'] = _('Account of {name}').format(name=actor.name)
    with account:
        with ui.menu():
            ui.menu_item(f'{actor.name} ({_(ROLE_WORDS.get(actor.role, actor.role.value))})') \
                .props(f'disable {MENU_ITEM}')
            if _page_exists('/profile'):
                ui.menu_item(_('Profile'), lambda: ui.navigate.to('/profile')).props(MENU_ITEM).classes(TOUCH)
            ui.menu_item(_('Light / dark theme'), toggle_theme).props(MENU_ITEM).classes(TOUCH).mark('theme-toggle')
            for element in sign_out_form().classes(TOUCH).descendants():
                if isinstance(element, ui.button):
                    element.props(MENU_ITEM)


# Tailwind's breakpoints, and what the header holds besides its links: menu button, bell, account (48 px each), gaps
BREAKPOINTS = (('md', 768), ('lg', 1024), ('xl', 1280), ('2xl', 1536))
HEADER_FIXED_PX = 3 * 48 + 64


def _links_fit_from(items: list[tuple[str, str, str]], title: str, plant: str) -> str:
    """The smallest screen width (a breakpoint) at which the navigation links fit in the header in this language;
    below it they fold into the menu. A link is its icon, its padding and its words (~7 px a letter, measured)."""
    links = sum(24 + 8 + 24 + 4 + 7 * len(label) for label, _path, _icon in items)
    needed = HEADER_FIXED_PX + links + 11 * min(len(plant), 16) + 8 * len(title)
    return next((name for name, width in BREAKPOINTS if width >= needed), BREAKPOINTS[-1][0])


def _page_exists(path: str) -> bool:
    return any(getattr(route, 'path', None) == path for route in nicegui_app.routes)
