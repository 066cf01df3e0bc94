"""/notifications: the user's inbox (unread and read), mark all read, live."""
from nicegui import ui

from app import events
from app.db import read_session
from app.errors import DomainError
from app.i18n import _
from app.models.schemas import NotificationPage
from app.services import notifications
from app.services.access import Actor, SignedIn, acting_as
from components.design import TOUCH, local_text
from components.layout import frame
from components.page import page
from components.session import require_page_actor, signed_in
from components.worker import io


@page('/notifications')
async def notifications_page() -> None:
    actor = await require_page_actor()

    @ui.refreshable
    async def inbox() -> None:
        page = await io(_read, actor)
        ui.label(_('{unread} unread · {total} in the last days').format(unread=page.unread, total=page.total)) \
            .classes('text-gray-500')
        if not page.items:
            ui.label(_('No notifications.')).classes('text-gray-500')
        with ui.list().props('bordered separator').classes('w-full rounded').mark('inbox'):
            for item in page.items:
                target = f'/problem-logs/{item.log_id}' if item.log_id else f'/machines/{item.machine_id}'
                with ui.item(on_click=lambda t=target: ui.navigate.to(t)).classes(TOUCH):
                    with ui.item_section():
                        ui.item_label(item.message).classes('' if item.is_read else 'font-bold')
                        ui.item_label(local_text(item.created_at)).props('caption')

    async def mark_all() -> None:
        try:
            await io(_mark_all, signed_in())
        except DomainError as error:
            ui.notify(str(error), type='negative')

    with frame(_('Notifications'), actor):
        with ui.row().classes('w-full items-center'):
            ui.label(_('Notifications')).classes('text-2xl font-bold')
            ui.space()
            ui.button(_('Mark all read'), icon='done_all', on_click=mark_all).props('outline').classes(TOUCH) \
                .mark('mark-all-read')
        await inbox()
    events.notifications_changed.subscribe(lambda user_id: inbox.refresh() if user_id == actor.user_id else None)


def _read(actor: Actor) -> NotificationPage:
    with read_session() as session:
        return notifications.list_notifications(session, actor=actor, include_read=True, limit=100)


def _mark_all(who: SignedIn | None) -> None:
    with acting_as(who) as (session, actor):  # the user as they are now, not when the page opened
        notifications.mark_all_read(session, actor=actor)
