"""/profile: the signed-in person changes their password and manages their personal API tokens."""
from datetime import datetime

from nicegui import run, ui

from app.db import read_session, session_scope
from app.errors import DomainError
from app.services import tokens, users
from app.services.access import Actor
from app.services.tokens import TokenInfo
from components.layout import frame
from components.session import fresh_actor, keep_session_after_password_change, require_page_actor


@ui.page('/profile')
async def profile_page() -> None:
    actor = await require_page_actor()
    if actor is None:
        return
    with frame('Profile', actor):
        ui.label(f'{actor.name} ({actor.role.value})').classes('text-xl')
        _password_card()
        await _tokens_card(actor)


def _password_card() -> None:
    with ui.card().classes('w-full max-w-md'):
        ui.label('Change your password').classes('text-lg')
        current = ui.input('Current password', password=True).classes('w-full')
        new = ui.input('New password', password=True).props('hint="at least 8 characters"').classes('w-full')

        async def change() -> None:
            actor = await fresh_actor()
            if actor is None:
                return
            try:
                valid_after = await run.io_bound(_change_password, actor, current.value or '', new.value or '')
            except DomainError as error:
                ui.notify(error.message[:1].upper() + error.message[1:], type='negative')
                return
            keep_session_after_password_change(actor.user_id or 0, valid_after)
            current.value = new.value = ''
            ui.notify('Password changed; your other sessions are signed out', type='positive')

        ui.button('Change password', on_click=change).classes('min-h-[48px]')


async def _tokens_card(actor: Actor) -> None:
    @ui.refreshable
    async def token_list() -> None:
        rows = await run.io_bound(_list_tokens, actor)
        if not rows:
            ui.label('No API tokens.')
        for row in rows:
            with ui.row().classes('items-center gap-4').mark(f'token-{row.id}'):
                ui.label(row.name).classes('font-bold')
                ui.label(f'created {row.created_at:%Y-%m-%d}')
                ui.button('Revoke', on_click=lambda r=row: revoke(r)).props('flat color=negative')

    async def revoke(row: TokenInfo) -> None:
        if (now := await fresh_actor()) is None:
            return
        await _guarded(_revoke_token, now, row.id)
        ui.notify(f'Token {row.name!r} revoked')
        token_list.refresh()

    async def create() -> None:
        if (now := await fresh_actor()) is None:
            return
        secret = await _guarded(_create_token, now, name.value or '')
        if secret is not None:
            name.value = ''
            shown.text = secret
            shown_row.visible = True
            token_list.refresh()

    with ui.card().classes('w-full max-w-2xl'):
        ui.label('Personal API tokens').classes('text-lg')
        ui.label('Scripts send a token as "Authorization: Bearer <token>"; it carries your rights, no more.')
        with ui.row().classes('items-center'):
            name = ui.input('Token name').props('maxlength=80')
            ui.button('Create token', on_click=create).classes('min-h-[48px]')
        with ui.column().classes('bg-amber-100 p-2') as shown_row:
            ui.label('Copy this token now; it will not be shown again:')
            shown = ui.label('').classes('font-mono break-all').mark('new-token')
        shown_row.visible = False
        await token_list()


async def _guarded(work: object, *args: object) -> str | None:
    try:
        return await run.io_bound(work, *args)  # type: ignore[arg-type]
    except DomainError as error:
        ui.notify(error.message[:1].upper() + error.message[1:], type='negative')
        return None


def _change_password(actor: Actor, current: str, new: str) -> datetime:
    with session_scope() as session:
        return users.change_own_password(session, actor=actor, current=current, new=new)


def _list_tokens(actor: Actor) -> list[TokenInfo]:
    with read_session() as session:
        return tokens.list_tokens(session, actor=actor)


def _create_token(actor: Actor, name: str) -> str:
    with session_scope() as session:
        return tokens.create_token(session, actor=actor, name=name)[1]


def _revoke_token(actor: Actor, token_id: int) -> None:
    with session_scope() as session:
        tokens.revoke_token(session, actor=actor, token_id=token_id)
