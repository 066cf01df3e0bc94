"""/profile: the signed-in person changes their password and manages their personal API tokens."""
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from nicegui import ui

from app import i18n
from app.db import read_session
from app.errors import DomainError, NotAuthenticated
from app.i18n import _, ngettext
from app.services import tokens, users
from app.services.access import Actor, SignedIn, acting_as
from app.services.tokens import TokenInfo
from components.alert_subscriptions import alert_subscriptions_card
from components.design import SECTION
from components.language import language_choices
from components.layout import ROLE_WORDS, frame
from components.page import page
from components.session import client_address, keep_session_after_password_change, require_page_actor, signed_in
from components.worker import io

T = TypeVar('T')


@page('/profile')
async def profile_page() -> None:
    actor = await require_page_actor()
    with frame(_('Profile'), actor):
        ui.label(f'{actor.name} ({_(ROLE_WORDS.get(actor.role, actor.role.value))})').classes('text-xl')
        _language_card(actor)
        _password_card()
        await _tokens_card(actor)
        await alert_subscriptions_card(actor)  # outbound alerts (issue 23)


def _language_card(actor: Actor) -> None:
    """The language of this person's screens; the page reloads in it (other open pages: at their next load)."""
    async def choose(code: str) -> None:
        if await _guarded(_set_language, code or None) is not None:
            ui.navigate.reload()

    with ui.card().classes('w-full max-w-md'):
        ui.label(_('Language')).classes('text-lg').props(SECTION)
        ui.select(language_choices(), value=actor.language or '', label=_('Language of your screens'),
                  on_change=lambda e: choose(e.value)).classes('w-full').mark('language')


def _password_card() -> None:
    with ui.card().classes('w-full max-w-md'):
        ui.label(_('Change your password')).classes('text-lg').props(SECTION)
        current = ui.input(_('Current password'), password=True).classes('w-full')
        new = ui.input(_('New password'), password=True).props(f'hint="{_("at least 8 characters")}"').classes('w-full')

        async def change() -> None:
            changed = await _guarded(_change_password, current.value or '', new.value or '', client_address())
            if changed is None:
                return
            keep_session_after_password_change(*changed)
            current.value = new.value = ''
            ui.notify(_('Password changed; your other sessions are signed out'), type='positive')

        ui.button(_('Change password'), on_click=change).classes('min-h-[48px]')

        async def end_tokens() -> None:
            ended = await _guarded(_end_all_tokens)
            if ended is not None:
                ui.notify(ngettext('{count} API token ended', '{count} API tokens ended', ended).format(count=ended),
                          type='positive')
                ui.navigate.reload()

        ui.button(_('End all my API tokens'), on_click=end_tokens).props('flat color=negative').classes('min-h-[48px]')


async def _tokens_card(actor: Actor) -> None:
    @ui.refreshable
    async def token_list() -> None:
        rows = await io(_list_tokens, actor)
        if not rows:
            ui.label(_('No API tokens.'))
        for row in rows:
            with ui.row().classes('items-center gap-4').mark(f'token-{row.id}'):
                ui.label(row.name).classes('font-bold')
                ui.label(_('created {day}').format(day=i18n.date_text(row.created_at)))
                ui.button(_('Revoke'), on_click=lambda r=row: revoke(r)).props('flat color=negative')

    async def revoke(row: TokenInfo) -> None:
        if await _guarded(_revoke_token, row.id) is not None:
            ui.notify(_("Token '{name}' revoked").format(name=row.name))
        token_list.refresh()

    async def create() -> None:
        secret = await _guarded(_create_token, name.value or '', password.value or '', client_address())
        password.value = ''
        if secret is not None:
            name.value = ''
            shown.text = secret
            shown_row.visible = True
            token_list.refresh()

    with ui.card().classes('w-full max-w-2xl'):
        ui.label(_('Personal API tokens')).classes('text-lg').props(SECTION)
        ui.label(_('Scripts send a token as "Authorization: Bearer <token>"; it carries your rights, no more.'))
        with ui.row().classes('items-center'):
            name = ui.input(_('Token name')).props('maxlength=80')
            password = ui.input(_('Your password'), password=True).props('autocomplete=current-password')
            ui.button(_('Create token'), on_click=create).classes('min-h-[48px]')
        with ui.column().classes('bg-amber-100 p-2') as shown_row:
            ui.label(_('Copy this token now; it will not be shown again:'))
            shown = ui.label('').classes('font-mono break-all').mark('new-token')
        shown_row.visible = False
        await token_list()


async def _guarded(work: Callable[..., T], *args: object) -> T | None:
    """`work(who, *args)` off the loop, `who` the page's session now (the user is read inside the work's own
    transaction); a refusal is shown and answered with None, an ended session is sent to sign in again."""
    try:
        return await io(work, signed_in(), *args)
    except NotAuthenticated:
        ui.navigate.to('/login')  # the session has ended: sign in again (signing out needs a POST)
    except DomainError as error:
        ui.notify(error.message[:1].upper() + error.message[1:], type='negative')
    return None


def _change_password(who: SignedIn | None, current: str, new: str, address: str) -> tuple[int, datetime]:
    """The user's id and the moment their other sessions end from."""
    with acting_as(who) as (session, actor):
        return actor.user_id or 0, users.change_own_password(session, actor=actor, current=current, new=new,
                                                             address=address)


def _set_language(who: SignedIn | None, language: str | None) -> bool:
    with acting_as(who) as (session, actor):
        users.set_own_language(session, actor=actor, language=language)
        return True


def _list_tokens(actor: Actor) -> list[TokenInfo]:
    with read_session() as session:
        return tokens.list_tokens(session, actor=actor)


def _create_token(who: SignedIn | None, name: str, password: str, address: str) -> str:
    with acting_as(who) as (session, actor):
        return tokens.create_token(session, actor=actor, name=name, password=password, address=address)[1]


def _end_all_tokens(who: SignedIn | None) -> int:
    with acting_as(who) as (session, actor):
        return tokens.revoke_all_own(session, actor=actor)


def _revoke_token(who: SignedIn | None, token_id: int) -> bool:
    with acting_as(who) as (session, actor):
        tokens.revoke_token(session, actor=actor, token_id=token_id)
        return True
