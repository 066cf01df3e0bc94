"""The bell in the header: a live unread count for this user only, a panel of notifications, new-problem toasts."""
import json

from nicegui import ui

from app import i18n
from app.errors import DomainError
from app.i18n import _
from app.models.schemas import NotificationPage, NotificationPublic
from app.services import notifications
from app.services.access import Actor, SignedIn, acting_as
from components import bell_rooms, rooms
from components.coalesce import Coalesced
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


class BellBadge(ui.element, component='bell_badge.js'):
    """The unread count on the bell: its `bell` prop, or the newer message of its user's room (bell_badge.js).
    Hidden while nothing is unread (the component decides in the browser; `visible` says it for page tests)."""

    def __init__(self) -> None:
        super().__init__()
        self.show(0, 0)

    def show(self, unread: int, newest: int) -> None:
        """The count, and the newest notification the screen knows of (the browser toasts only what is newer)."""
        self._props['bell'] = {'seq': next(rooms.sequence), 'unread': unread, 'text': bell_rooms.badge_text(unread),
                               'newest': newest}
        self.set_visibility(unread > 0)
        self.update()

    def _displayed_contents(self, *, only_visible: bool) -> list[object]:
        return [self._props['bell']['text']]

    def _handle_visibility_change(self, visible: str) -> None:
        """Not by NiceGUI's class: the component shows the count of the newer of its prop and its room's message."""


class NotificationBell:
    """Unread badge and toasts (through the room of its user: components/bell_rooms.py), side panel."""

    def __init__(self, actor: Actor) -> None:
        self.actor, self.key = actor, (actor.user_id or 0, i18n.current_language())
        self.client = ui.context.client
        self.newest_id = 0
        self.latest: bell_rooms.BellView | None = None  # the newest view the screen took, shown or not yet
        self.behind = False  # the badge has not caught up with `latest` (its room delivered it)
        with ui.button(icon='notifications', on_click=self.open_panel) \
                .props('flat round color=white').classes(TOUCH).mark('bell') as self.button:
            self.button.props['aria-label'] = _('Notifications')
            self.badge = BellBadge().mark('unread')
        self.button.on('click', js_handler=ASK_PERMISSION_JS)
        ui.add_body_html(BROWSER_NOTIFY_JS)
        self.host = ui.context.slot.parent  # the panel is built here when first opened (elements cost every screen)
        self.panel: tuple[ui.dialog, ui.column] | None = None
        self.refresh = Coalesced(self._refresh, 'bell-update')
        self.client.on_connect(self._connected)
        bell_rooms.join(self, self.key, actor)  # from now on: a change while the page loads is taken, not missed

    async def load(self) -> None:
        """Read the unread count and newest item (later arrivals toast); a view published meanwhile is newer."""
        view = await bell_rooms.read(self.key)
        if not self.client.is_deleted:
            self.show(self.latest or view, toast=False)

    def take(self, view: bell_rooms.BellView) -> None:
        """A bell of this user was published: a live screen's badge drew it (and toasted) from the room."""
        self.latest = view
        if rooms.live(self.client):
            self.behind = True
        else:
            self.refresh.request()

    def _connected(self) -> None:
        """A (re)connected socket joins the room again and gets the newest count it may have missed."""
        bell_rooms.join(self, self.key, self.actor)
        if self.behind and self.latest is not None:
            self.show(self.latest, toast=False)

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
        self.badge.show(0, self.newest_id)
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

    async def _refresh(self) -> None:
        if self.latest is not None and not self.client.is_deleted:  # the page may have closed meanwhile
            self.show(self.latest, toast=True)

    def show(self, view: bell_rooms.BellView, *, toast: bool) -> None:
        """Show the count; toast what arrived since this screen last looked (at most three): the room's payload, as
        the badge's component does in the browser."""
        bell = view.payload
        fresh = [item for item in bell['items'] if item['id'] > self.newest_id and not item['read']]
        self.newest_id = max([self.newest_id, *[item['id'] for item in bell['items']]])
        self.latest, self.behind = view, False
        self.badge.show(bell['unread'], self.newest_id)
        if not (toast and fresh):
            return
        with self.button:  # runs in a background task: the toast goes to this screen
            for item in reversed(fresh[:3]):
                ui.notify(item['message'], type=item['type'], position='bottom-right', timeout=6000,
                          group=False)  # away from navigation, goes by itself
            notice = bell['notices'][len(fresh) - 1]  # a text per count of the items the payload carries
            ui.run_javascript(f'window.ctpBrowserNotify && window.ctpBrowserNotify({json.dumps(notice)})')


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
