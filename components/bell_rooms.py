"""One message per user, language and change for every screen of that user: the bell's room (issue 24).

The screens of one user (a shift's shared tablet login, a manager's tabs) show the same bell: the unread count and the
newest notifications. After a change of that user's notifications they are read and built once and emitted once to the
socket.io room `ctp-bell:<language>:<user id>`; the badge component (bell_badge.js) draws the count and toasts what
arrived since its screen last looked. No other user's socket is in the room. A screen with a live socket only keeps
the view (NotificationBell.take); one without (not connected yet, or the page tests' simulated user) updates itself.
"""
from dataclasses import dataclass
from typing import Any

from app import events, i18n
from app.db import read_session
from app.i18n import ngettext
from app.models.schemas import NotificationPage
from app.services import notifications
from app.services.access import Actor
from components import rooms
from components.coalesce import SharedLoad, subscribe_process_wide
from components.rooms import Member

EVENT = 'ctp_bell'
NEWEST = 5  # the notifications a message carries: a screen toasts at most three of them
Key = tuple[int, str]  # (user id, language)
_readers: dict[Key, Actor] = {}  # the user as the newest of their screens knows them (the services scope by actor)


@dataclass(frozen=True)
class BellView:
    """What every screen of one user and language shows of the bell, and the payload its badge draws."""

    key: Key
    payload: dict[str, Any]  # seq, unread, text, items (id, message, type, read), notices (a text per count)


def _latest(key: Key) -> NotificationPage:
    with i18n.language(key[1]), read_session() as session:  # each message in the screens' language
        return notifications.list_notifications(session, actor=_readers[key], limit=NEWEST)


# the screens of a user share one read per change (and with their first load)
LATEST_READ: SharedLoad[Key, NotificationPage] = SharedLoad(_latest)


def room(key: Key) -> str:
    user_id, language = key
    return f'ctp-bell:{language}:{user_id}'


def badge_text(unread: int) -> str:
    return str(unread) if 0 < unread < 100 else '99+' if unread else ''


def build(key: Key, page: NotificationPage) -> BellView:
    """The bell of this page of notifications; the browser notification's texts in the key's language."""
    with i18n.language(key[1]):
        notices = [ngettext('{count} new notification', '{count} new notifications', count).format(count=count)
                   for count in range(1, len(page.items) + 1)]
    items = [{'id': item.id, 'message': item.message, 'read': item.is_read,
              'type': 'warning' if item.notification_type == 'problem_created' else 'info'} for item in page.items]
    payload = {'seq': next(rooms.sequence), 'unread': page.unread, 'text': badge_text(page.unread), 'items': items,
               'notices': notices}
    return BellView(key, payload)


async def read(key: Key) -> BellView:
    """The bell of the key's user now (one read shared with their other screens; `join` first)."""
    return build(key, await LATEST_READ.ask(key))


ROOMS: rooms.Rooms[Key, BellView] = rooms.Rooms(EVENT, room, read, lambda view: view.payload)


def join(member: Member[BellView], key: Key, actor: Actor) -> None:
    """The member gets the bells of its user and language, and its client's sockets their room's messages; the
    user's reads are made as `actor`."""
    if subscribe_process_wide(events.notifications_changed, _on_change):
        ROOMS.reset()
    _readers[key] = actor
    ROOMS.join(member, key)


def _on_change(user_id: int) -> None:
    LATEST_READ.invalidate()
    ROOMS.request(key for key in ROOMS.members if key[0] == user_id and key in _readers)
