"""/admin/displays: register wall displays, show their one-time pairing link and QR code, revoke them."""
from collections.abc import Awaitable, Callable

from nicegui import ui
from starlette.requests import Request

from app.config import get_settings
from app.db import read_session
from app.errors import DomainError
from app.i18n import _
from app.services import display_claims, displays, labels, machines
from app.services.access import Actor, SignedIn, acting_as
from components.admin import admin_nav
from components.design import SECTION, TOUCH, local_text
from components.dialog import named_dialog
from components.language import language_choices
from components.layout import frame
from components.page import page
from components.session import require_page_admin, signed_in
from components.worker import io

_REFUSED = object()


@page('/admin/displays')
async def displays_admin_page(request: Request) -> None:
    actor = await require_page_admin(_('Wall displays'))
    if actor is None:
        return
    base = labels.public_base_url(get_settings().public_origins, str(request.base_url))
    machine_names = await io(_machine_names, actor)

    @ui.refreshable
    async def listing() -> None:
        rows = await io(_list, actor)
        for info in rows:
            _row(info, machine_names, on_revoke=revoke, on_renew=renew, on_language=set_language, on_claim=claim)
        if not rows:
            ui.label(_('No displays yet.'))

    async def register() -> None:
        chosen = list(scope.value or [])
        try:
            info, code = await io(_register, signed_in(), name.value or '', chosen or None)
        except DomainError as error:
            ui.notify(str(error), type='negative')
            return
        name.value, scope.value = '', []
        _show_link(info.name, base + '/display/pair?code=' + code)
        listing.refresh()

    async def revoke(display_id: int) -> None:
        if await _attempt(_call, displays.revoke_display, signed_in(), display_id) is not _REFUSED:
            ui.notify(_('Display revoked: its board is cut off now'))
            listing.refresh()

    async def set_language(display_id: int, code: str) -> None:
        if await _attempt(_set_language, signed_in(), display_id, code or None) is not _REFUSED:
            ui.notify(_('Language changed: the board reloads in it'))

    async def claim(display_id: int, code: str) -> None:
        info = await _attempt(_claim, signed_in(), display_id, code)
        if isinstance(info, displays.DisplayInfo):
            ui.notify(_('The screen showing {code} is now {name}: it shows the board in a few seconds').format(
                code=display_claims.shown(display_claims.normalised(code)), name=info.name), type='positive')
            listing.refresh()

    async def renew(display_id: int, display_name: str) -> None:
        code = await _attempt(_call, displays.new_pairing_code, signed_in(), display_id)
        if code is not _REFUSED:
            _show_link(display_name, base + '/display/pair?code=' + str(code))
            listing.refresh()

    with frame(_('Wall displays'), actor):
        admin_nav('/admin/displays')
        with ui.card().classes('w-full'):
            ui.label(_('Register a display')).classes('text-lg font-bold').props(SECTION)
            with ui.row().classes('items-end gap-4 w-full'):
                name = ui.input(_('Name'), placeholder=_('Plate room wall')).classes('w-64')
                scope = ui.select(machine_names, multiple=True, label=_('Machines (empty = all)')).classes('w-96')
                ui.button(_('Register'), on_click=register).classes('min-h-[48px]').mark('register-display')
        await listing()


def _machine_names(actor: Actor) -> dict[int, str]:
    with read_session() as session:
        return {m.id: m.name for m in machines.list_machines(session, actor=actor)}


def _list(actor: Actor) -> list[displays.DisplayInfo]:
    with read_session() as session:
        return [d for d in displays.list_displays(session, actor=actor) if d.revoked_at is None or d.pairing_pending]


async def _attempt(work: Callable[..., object], *args: object) -> object:
    """`work(*args)` off the loop; a refusal is shown and answered with _REFUSED."""
    try:
        return await io(work, *args)
    except DomainError as error:
        ui.notify(str(error), type='negative')
        return _REFUSED


def _register(who: SignedIn | None, name: str, machine_ids: list[int] | None) -> tuple[displays.DisplayInfo, str]:
    with acting_as(who) as (session, actor):  # the admin as they are now, not when the page opened
        return displays.register_display(session, actor=actor, name=name, machine_ids=machine_ids)


def _call(service: object, who: SignedIn | None, display_id: int) -> object:
    with acting_as(who) as (session, actor):
        return service(session, actor=actor, display_id=display_id)  # type: ignore[operator]


def _set_language(who: SignedIn | None, display_id: int, language: str | None) -> object:
    with acting_as(who) as (session, actor):
        return displays.set_language(session, actor=actor, display_id=display_id, language=language)


def _claim(who: SignedIn | None, display_id: int, code: str) -> displays.DisplayInfo:
    with acting_as(who) as (session, actor):
        return display_claims.claim(session, actor=actor, display_id=display_id, code=code)


def _row(info: displays.DisplayInfo, names: dict[int, str], *, on_revoke: Callable[[int], Awaitable[None]],
         on_renew: Callable[[int, str], Awaitable[None]], on_language: Callable[[int, str], Awaitable[None]],
         on_claim: Callable[[int, str], Awaitable[None]]) -> None:
    scope = _('all machines') if info.machine_ids is None else ', '.join(names.get(i, '?') for i in info.machine_ids)
    state = _('paired') if info.paired else (_('waiting for pairing') if info.pairing_pending else _('revoked'))
    contact = _('never') if info.last_seen_at is None \
        else f'{local_text(info.last_seen_at)} ({get_settings().timezone})'
    with ui.card().classes('w-full').mark(f'display-{info.id}'):
        with ui.row().classes('items-center w-full gap-4'):
            ui.label(info.name).classes('text-lg font-bold')
            ui.label(f'{state} · {scope}')
            if info.connected:
                ui.badge(_('connected now'), color='green-9').classes('text-sm')
            else:
                ui.badge(_('not connected'), color='grey-8').classes('text-sm')
            ui.label(_('last contact {moment}').format(moment=contact)).classes('text-grey-8')
            ui.select(language_choices(), value=info.language or '', label=_('Language'),
                      on_change=lambda e: on_language(info.id, e.value)).classes('w-48') \
                .mark(f'display-language-{info.id}')
            ui.space()
            ui.button(_('New pairing link'), on_click=lambda: on_renew(info.id, info.name)).props('outline')
            ui.button(_('Revoke'), color='negative', on_click=lambda: _confirm_revoke(info, on_revoke))
        with ui.row().classes('items-center gap-4'):
            code = ui.input(_('Code shown on the screen'), placeholder=_('e.g. ABCD-EFGH')).classes('w-56') \
                .props('autocapitalize=characters autocomplete=off').mark(f'claim-code-{info.id}')
            ui.button(_('Pair a screen by its code'), icon='cast_connected',
                      on_click=lambda: on_claim(info.id, code.value or '')).classes(TOUCH).props('outline') \
                .mark(f'claim-{info.id}')


def _confirm_revoke(info: displays.DisplayInfo, on_revoke: Callable[[int], Awaitable[None]]) -> None:
    with named_dialog(_('Revoke {name}').format(name=info.name)) as dialog, ui.card():
        ui.label(_('Revoke {name}? Its board goes dark at once.').format(name=info.name))
        with ui.row():
            ui.button(_('Cancel'), on_click=dialog.close).props('flat')

            async def confirmed() -> None:
                dialog.close()
                await on_revoke(info.id)
            ui.button(_('Revoke'), color='negative', on_click=confirmed)
    dialog.open()


def _show_link(name: str, url: str) -> None:
    """The pairing link is shown once: open it on the wall screen, or scan its QR code there."""
    title = _('Pair {name}').format(name=name)
    with named_dialog(title) as dialog, ui.card().classes('items-center'):
        ui.label(title).classes('text-lg font-bold')
        ui.label(_('Open this link once on the wall screen (or scan the code with it). It works one time.'))
        ui.image(labels.qr_svg_data_uri(url)).classes('w-56 h-56').props('no-spinner')
        ui.input(value=url).props('readonly').classes('w-full').mark('pairing-link')
        ui.button(_('Done'), on_click=dialog.close)
    dialog.open()
