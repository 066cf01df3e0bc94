"""/admin/users: people, their role, password reset, deactivation and machine assignments (admins only)."""
from datetime import datetime
from typing import Literal

from nicegui import background_tasks, ui

from app import events, i18n
from app.db import read_session
from app.i18n import N_, _, ngettext
from app.models import Role
from app.models.schemas import MachinePublic, UserPublic
from app.services import machines, tokens, users
from app.services.access import Actor, SignedIn, acting_as
from app.services.tokens import TokenInfo
from components.admin import act, admin_nav
from components.design import SECTION, TOUCH
from components.dialog import named_dialog
from components.layout import frame
from components.page import page
from components.session import keep_session_after_password_change, require_page_admin
from components.worker import io

ROLE_LABELS = {Role.ADMIN: N_('Administrator'), Role.CTP_USER: N_('CTP user'), Role.MANAGER: N_('Manager'),
               Role.NONE: N_('No access')}  # untranslated


@page('/admin/users')
async def admin_users_page() -> None:
    actor = await require_page_admin(_('Users'))
    if actor is None:
        return

    @ui.refreshable
    async def user_list() -> None:
        rows, machine_rows = await io(_load, actor)
        names = {m.id: m.name for m in machine_rows}
        new_user_machines.set_options(names)  # the add form offers the machines of this same read
        for row in rows:
            with ui.card().classes('w-full').mark(f'user-{row.username}'):
                with ui.row().classes('w-full items-center gap-4 no-wrap'):  # Edit buttons line up on the right
                    ui.label(f'{row.name} ({row.username})').classes('font-bold')
                    ui.label(_(ROLE_LABELS[row.role]))
                    if not row.is_active:
                        ui.label(_('deactivated')).classes('text-red-700')
                    ui.label(', '.join(names.get(i, str(i)) for i in row.machine_ids)).classes('grow min-w-0')
                    ui.button(_('Edit'), on_click=lambda r=row: _edit_dialog(r, machine_rows, user_list.refresh,
                                                                          own=r.id == actor.user_id)) \
                        .classes('min-h-[48px] shrink-0').mark(f'edit-{row.username}')

    with frame(_('Users'), actor):
        admin_nav('/admin/users')
        new_user_machines = _new_user_form(lambda: user_list.refresh())
        await user_list()


def _new_user_form(refresh: object) -> ui.select:
    """The add form; returns its machine select, whose options the user list fills."""
    with ui.card().classes('w-full'):
        ui.label(_('Add a user')).classes('text-lg').props(SECTION)
        with ui.row().classes('items-end'):
            username = ui.input(_('New user name')).props('maxlength=64')
            name = ui.input(_('Full name')).props('maxlength=120')
            role = ui.select(_role_choices(), value='ctp_user', label=_('Role'))
            password = ui.input(_('Initial password'), password=True)
        assigned = ui.select({}, multiple=True, value=[], label=_('Assigned machines')) \
            .props('use-chips').classes('w-full').mark('new-user-machines') \
            .bind_visibility_from(role, 'value', backward=lambda value: value == Role.CTP_USER.value)

        async def add() -> None:
            machine_ids = list(assigned.value or []) if role.value == Role.CTP_USER.value else []
            fields = {'username': username.value or '', 'name': name.value or '', 'role': Role(role.value),
                      'password': password.value or '', 'machine_ids': machine_ids}
            if await act(_create, fields, done=_('User {name} added').format(name=fields['username'])) is not None:
                username.value = name.value = password.value = ''
                assigned.value = []
                refresh()  # type: ignore[operator]

        ui.button(_('Add user'), on_click=add).classes('min-h-[48px]')
    return assigned


def _edit_dialog(row: UserPublic, machine_rows: list[MachinePublic], refresh: object, *, own: bool) -> None:
    """Edit a user; `own`: the signed-in admin themselves, whose page keeps its session after a new password."""
    title = _('Edit {name}').format(name=row.username)
    with named_dialog(title) as dialog, ui.card().classes('w-full max-w-lg'):
        ui.label(title).classes('text-lg')
        name = ui.input(_('Full name'), value=row.name)
        role = ui.select(_role_choices(), value=row.role.value, label=_('Role'))
        active = ui.switch(_('Active'), value=row.is_active).classes(TOUCH)
        password = ui.input(_('New password'), password=True) \
            .props(f'hint="{_("Leave empty to keep the current one")}"') \
            .classes('w-full')
        tokens_section(row.id)
        assigned = ui.select({m.id: m.name for m in machine_rows}, value=list(row.machine_ids), multiple=True,
                             label=_('Assigned machines')).props('use-chips').classes('w-full').mark('edit-machines')

        async def save() -> None:
            changes: dict[str, object] = {'name': name.value, 'role': Role(role.value), 'is_active': active.value}
            if password.value:
                changes['password'] = password.value
            saved = await act(_update, row.id, changes, list(assigned.value or []), own)
            if saved is None:
                return
            if own:
                _after_own_change(row.id, saved)
            ui.notify(_('Saved; your other sessions are signed out') if own and saved else _('Saved'), type='positive')
            dialog.close()
            refresh()  # type: ignore[operator]

        with ui.row():
            ui.button(_('Save'), on_click=save)
            ui.button(_('Cancel'), on_click=dialog.close).props('flat')
    dialog.open()


def tokens_section(user_id: int) -> None:
    """The person's API tokens (scripts, integrations): each can be revoked, or all ended at once."""
    ui.label(_('API tokens')).classes('font-bold mt-2')
    box = ui.column().classes('w-full gap-1').mark('user-tokens')

    async def fill() -> None:
        with box:
            rows = await act(_user_tokens, user_id) or []
            box.clear()
            if not rows:
                ui.label(_('No API tokens')).classes('text-grey-8')
            for token in rows:
                with ui.row().classes('w-full items-center gap-2 no-wrap').mark(f'user-token-{token.id}'):
                    used = _('last used {day}').format(day=i18n.date_text(token.last_used_at)) \
                        if token.last_used_at else _('never used')
                    ui.label(_('{name} (made {day}, {used})').format(
                        name=token.name, day=i18n.date_text(token.created_at), used=used)).classes('grow min-w-0')
                    ui.button(_('Revoke'), on_click=lambda t=token: end(t.id, _("Token '{name}' revoked").format(
                        name=t.name))) \
                        .props('flat color=negative').classes(TOUCH)
            if len(rows) > 1:
                ui.button(_('End all API tokens'), on_click=lambda: end(None, None)).props('flat color=negative') \
                    .classes(TOUCH).mark('end-all-tokens')

    async def end(token_id: int | None, done: str | None) -> None:
        with box:
            ended = await act(_revoke_tokens, user_id, token_id)
            if ended is not None:
                ui.notify(done or ngettext('{count} API token ended', '{count} API tokens ended', ended).format(
                    count=ended), type='positive')
        await fill()

    background_tasks.create(fill(), name='user-tokens')  # the dialog opens at once; the list follows


def _role_choices() -> dict[str, str]:
    return {role.value: _(label) for role, label in ROLE_LABELS.items()}


def _user_tokens(who: SignedIn | None, user_id: int) -> list[TokenInfo]:
    with acting_as(who) as (session, actor):
        return tokens.list_user_tokens(session, actor=actor, user_id=user_id)


def _revoke_tokens(who: SignedIn | None, user_id: int, token_id: int | None) -> int:
    with acting_as(who) as (session, actor):
        return tokens.revoke_user_token(session, actor=actor, user_id=user_id, token_id=token_id)


def _load(actor: Actor) -> tuple[list[UserPublic], list[MachinePublic]]:
    with read_session() as session:
        return users.list_users(session, actor=actor), machines.list_machines(session, actor=actor)


def _create(who: SignedIn | None, fields: dict[str, object]) -> int:
    with acting_as(who) as (session, actor):
        return users.create_user(session, actor=actor, **fields).id  # type: ignore[arg-type,return-value]


def _update(who: SignedIn | None, user_id: int, changes: dict[str, object], machine_ids: list[int],
            own: bool) -> datetime | Literal[False]:
    """Save the dialog. Returns when a new password ended the (still active) user's sessions, else False.
    A change to the admin's own account is not announced here: `_after_own_change` does it."""
    with acting_as(who) as (session, actor):
        user = users.update_user(session, actor=actor, user_id=user_id, changes=changes, announce=not own)
        users.set_assignments(session, actor=actor, user_id=user_id, machine_ids=machine_ids, announce=not own)
        return (user.sessions_valid_after or False) if changes.get('password') and user.is_active else False


def _after_own_change(user_id: int, ended: datetime | Literal[False]) -> None:
    """The admin changed their own account: like a password change on the Profile page, this session stays
    signed in and their other sessions end; then their open pages follow the change (role, deactivation)."""
    if ended:
        keep_session_after_password_change(user_id, ended)
    else:
        events.publish(events.access_changed, user_id)
