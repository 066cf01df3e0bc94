"""/admin/machines: add machines, edit name, nickname and description, retire or bring back, link the devices that
report a machine's state over JMF (admins only)."""
from fastapi import Request
from nicegui import ui

from app.config import get_settings
from app.db import read_session
from app.errors import InvalidInput
from app.i18n import _
from app.models.schemas import MachineCreate, MachinePublic, MachineUpdate
from app.services import labels, machines
from app.services.access import Actor, SignedIn, acting_as
from app.services.jmf import links, subscriber
from components.admin import act, admin_nav
from components.design import SECTION
from components.device_health import device_health
from components.device_links import machine_links
from components.dialog import named_dialog
from components.layout import frame
from components.page import page
from components.session import require_page_admin
from components.worker import io


@page('/admin/machines')
async def admin_machines_page(request: Request) -> None:
    actor = await require_page_admin(_('Machines'))
    if actor is None:
        return

    base_url = labels.public_base_url(get_settings().public_origins, str(request.base_url))

    @ui.refreshable
    async def machine_list() -> None:
        rows, found, subscriptions = await io(_load, actor)
        for row in rows:
            with ui.card().classes('w-full').mark(f'machine-{row.id}'):
                with ui.row().classes('items-center gap-4'):
                    ui.label(row.name).classes('font-bold')
                    ui.label(row.nickname or '')
                    if row.retired_at is not None:
                        ui.label(_('retired')).classes('text-slate-500')
                    ui.space()
                    ui.button(_('Edit'), on_click=lambda r=row: _edit_dialog(r, machine_list.refresh))
                    retired = row.retired_at is not None
                    ui.button(_('Bring back') if retired else _('Retire'),
                              on_click=lambda r=row, flag=not retired: retire(r, flag)).props('flat')
                if not retired:
                    machine_links(row.id, found, subscriptions, base_url, machine_list.refresh)  # issue 21

    async def retire(row: MachinePublic, flag: bool) -> None:
        done = (_('{machine} retired') if flag else _('{machine} back in service')).format(machine=row.name)
        if await act(_update, row.id, {'retired': flag}, done=done) is not None:
            machine_list.refresh()

    with frame(_('Machines'), actor):
        admin_nav('/admin/machines')
        _new_machine_form(lambda: machine_list.refresh())
        await machine_list()
        await device_health(actor)  # issue 21: the machines' own reporting


def _new_machine_form(refresh: object) -> None:
    with ui.card().classes('w-full'):
        ui.label(_('Add a machine')).classes('text-lg').props(SECTION)
        with ui.row().classes('items-end'):
            name = ui.input(_('Machine name')).props('maxlength=120')
            nickname = ui.input(_('Nickname')).props('maxlength=60')
            description = ui.input(_('Description')).props('maxlength=4000')

        async def add() -> None:
            fields = {'name': name.value or '', 'nickname': nickname.value or None,
                      'description': description.value or None}
            if await act(_create, fields, done=_('Machine {name} added').format(name=fields['name'])) is not None:
                name.value = nickname.value = description.value = ''
                refresh()  # type: ignore[operator]

        ui.button(_('Add machine'), on_click=add).classes('min-h-[48px]')


def _edit_dialog(row: MachinePublic, refresh: object) -> None:
    title = _('Edit {name}').format(name=row.name)
    with named_dialog(title) as dialog, ui.card().classes('w-96'):
        ui.label(title).classes('text-lg')
        name = ui.input(_('Machine name'), value=row.name).props('maxlength=120')
        nickname = ui.input(_('Nickname'), value=row.nickname or '').props('maxlength=60')
        description = ui.textarea(_('Description'), value=row.description or '').props('maxlength=4000')

        async def save() -> None:
            fields = {'name': name.value or '', 'nickname': nickname.value or None,
                      'description': description.value or None}
            if await act(_update, row.id, fields, done=_('Saved')) is not None:
                dialog.close()
                refresh()  # type: ignore[operator]

        with ui.row():
            ui.button(_('Save'), on_click=save)
            ui.button(_('Cancel'), on_click=dialog.close).props('flat')
    dialog.open()


def _load(actor: Actor) -> tuple[list[MachinePublic], list[links.LinkInfo], list[subscriber.SubscriptionInfo]]:
    with read_session() as session:
        return (machines.list_machines(session, actor=actor, include_retired=True),
                links.list_links(session, actor=actor), subscriber.list_subscriptions(session, actor=actor))


def _create(who: SignedIn | None, fields: dict[str, object]) -> int:
    try:
        body = MachineCreate(**fields)
    except ValueError as error:
        raise InvalidInput(_('a machine needs a name of 1 to 120 characters')) from error
    with acting_as(who) as (session, actor):
        return machines.create_machine(session, actor=actor, machine_in=body).id  # type: ignore[return-value]


def _update(who: SignedIn | None, machine_id: int, fields: dict[str, object]) -> int:
    try:
        body = MachineUpdate(**fields)
    except ValueError as error:
        raise InvalidInput(_('a machine needs a name of 1 to 120 characters')) from error
    with acting_as(who) as (session, actor):
        return machines.update_machine(session, actor=actor, machine_id=machine_id, changes=body).id  # type: ignore[return-value]
