"""The bell in the header: a live unread count for this user only, a panel of notifications, new-problem toasts."""
import json

from nicegui import ui

from app import events
from app.db import read_session
from app.errors import DomainError
from app.i18n import _, ngettext
from app.models.schemas import NotificationPage, NotificationPublic
from app.services import notifications
from app.services.access import Actor, SignedIn, acting_as
from components.coalesce import Coalesced, SharedLoad
from components.design import TOUCH, TOUCH_LINK, local_text
from components.dialog import named_dialog
from components.session import signed_in
from components.worker import io

PANEL_SIZE = 20
# Browser notifications (issue 23) for a screen whose tab is in the background: asked for on the first bell click
# (a user gesture), shown only while the tab is hidden. Static code; the text passed in is the app's own words.
BROWSER_NOTIFY_JS = """<script>
window.ctpBrowserNotify = (text) => {
  if (!('Notification' in window) || document.visibilityState !== 'hidden') return;
  if (Notification.permission === 'granted') new Notification('CTP Log', {body: text, tag: 'ctp-log'});
};
</script>"""
ASK_PERMISSION_JS = "() => window.Notification && Notification.permission === 'default' && " \
                    "Notification.requestPermission()"


def _latest(actor: Actor) -> NotificationPage:
    with read_session() as session:
        return notifications.list_notifications(session, actor=actor, limit=5)


# the unread count and newest items of one user: the screens of that user share one read per change (a plant's
# many screens of the same account, e.g. a shift's shared tablet login, do not each hop to a worker thread)
LATEST_READ: SharedLoad[Actor, NotificationPage] = SharedLoad(_latest)


class NotificationBell:
    """Unread badge (updated by notifications_changed for its own user), side panel, toasts for new items."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.newest_id = 0
        with ui.button(icon='notifications', on_click=self.open_panel) \
                .props('flat round color=white').classes(TOUCH).mark('bell') as self.button:
            self.button.props['aria-label'] = _('Notifications')
            self.badge = ui.badge('', color='red-8').props('floating').mark('unread')
        self.button.on('click', js_handler=ASK_PERMISSION_JS)
        ui.add_body_html(BROWSER_NOTIFY_JS)
        self.badge.set_visibility(False)
        self.host = ui.context.slot.parent  # the panel is built here when first opened (elements cost every screen)
        self.panel: tuple[ui.dialog, ui.column] | None = None
        self.refresh = Coalesced(self._refresh, 'bell-update')
        events.notifications_changed.subscribe(self._on_change)

    async def load(self) -> None:
        """Read the unread count and newest item; remember the newest so later arrivals can toast."""
        page = await LATEST_READ.get(self.actor)
        self._show_count(page.unread)
        self.newest_id = max([n.id for n in page.items], default=0)

    async def open_panel(self) -> None:
        """Viewing the panel marks what it shows as read."""
        try:
            page = await io(_read_all_and_mark, signed_in())
        except DomainError as error:
            ui.notify(str(error), type='negative')
            return
        dialog, items = self._panel()
        items.clear()
        with items:
            if not page.items:
                ui.label(_('Nothing new.')).classes('text-gray-500')
            for item in page.items:
                _notification_row(item)
        self._show_count(0)
        dialog.open()

    def _panel(self) -> tuple[ui.dialog, ui.column]:
        """The side panel (a dialog), built on the first open: most screens never open it."""
        if self.panel is None:
            with self.host, named_dialog(_('Notifications')).props('position=right full-height') as dialog, \
                    ui.card().classes('w-[360px] max-w-[95vw] h-full gap-2'):
                with ui.row().classes('w-full items-center'):
                    ui.label(_('Notifications')).classes('text-lg font-bold')
                    ui.space()
                    close = ui.button(icon='close', on_click=dialog.close).props('flat round').classes(TOUCH)
                    close.props['aria-label'] = _('Close')
                items = ui.column().classes('w-full gap-1')
                ui.link(_('All notifications'), '/notifications').classes(f'mt-2 {TOUCH_LINK}')
            self.panel = (dialog, items)
        return self.panel

    def _on_change(self, user_id: int) -> None:
        if user_id == self.actor.user_id:
            LATEST_READ.invalidate()
            self.refresh.request()

    async def _refresh(self) -> None:
        """Show the new count; toast what arrived since this screen last looked (at most three)."""
        page = await LATEST_READ.get(self.actor)
        if self.button.client.is_deleted:  # the page closed during the read
            return
        self._show_count(page.unread)
        fresh = [n for n in page.items if n.id > self.newest_id and not n.is_read]
        self.newest_id = max([self.newest_id, *[n.id for n in page.items]])
        with self.button:  # runs in a background task: the toast goes to this screen
            for item in reversed(fresh[:3]):
                ui.notify(item.message, type='warning' if item.notification_type == 'problem_created' else 'info',
                          position='bottom-right', timeout=6000, group=False)  # away from navigation, goes by itself
            if fresh:
                text = ngettext('{count} new notification', '{count} new notifications', len(fresh))
                ui.run_javascript(f'window.ctpBrowserNotify && window.ctpBrowserNotify('
                                  f'{json.dumps(text.format(count=len(fresh)))})')

    def _show_count(self, count: int) -> None:
        self.badge.text = str(count) if count < 100 else '99+'
        self.badge.set_visibility(count > 0)


def _read_all_and_mark(who: SignedIn | None) -> NotificationPage:
    with acting_as(who) as (session, actor):  # the user as they are now, not when the page opened
        page = notifications.list_notifications(session, actor=actor, include_read=True, limit=PANEL_SIZE)
        if page.unread:
            notifications.mark_all_read(session, actor=actor)
    return page


def _notification_row(item: NotificationPublic) -> None:
    target = f'/problem-logs/{item.log_id}' if item.log_id else f'/machines/{item.machine_id}'
    with ui.link(target=target).classes('w-full no-underline text-inherit'):
        with ui.row().classes('w-full items-start no-wrap gap-2 p-2 rounded hover:bg-gray-500/10 min-h-[48px]'):
            ui.icon('circle' if not item.is_read else 'radio_button_unchecked') \
                .classes('text-xs mt-1 ' + ('text-red-600' if not item.is_read else 'text-gray-400'))
            with ui.column().classes('gap-0'):
                ui.label(item.message).classes('text-sm' + ('' if item.is_read else ' font-bold'))
                ui.label(local_text(item.created_at)).classes('text-xs text-gray-500')
