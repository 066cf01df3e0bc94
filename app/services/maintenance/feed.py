"""A person's calendar feed of upcoming maintenance (iCalendar): a secret address per user, stored hashed,
revocable; the feed itself is read with the secret alone (calendar apps send no cookies)."""
from datetime import datetime, timedelta

from icalendar import Calendar, Event  # type: ignore[import-untyped]
from sqlalchemy import select, update
from sqlmodel import Session, col

from app import auth
from app.db import rolls_back, select_rows
from app.errors import NotFound
from app.models import CalendarFeed, MaintenanceTask, User, utcnow
from app.services.access import Action, Actor, actor_for_user, has_access, require
from app.services.maintenance import orders

FEED_PATH = '/api/maintenance/calendar/{token}.ics'


@rolls_back
def new_feed(session: Session, *, actor: Actor) -> str:
    """A new secret feed address (the previous ones stop working); the secret is shown only now."""
    require(actor, Action.READ)
    if actor.user_id is None:
        raise NotFound('a wall display has no calendar feed')
    _revoke(session, actor.user_id)
    token = auth.new_token()
    session.add(CalendarFeed(user_id=actor.user_id, token_hash=auth.token_digest(token)))
    session.commit()
    return FEED_PATH.format(token=token)


@rolls_back
def revoke_feeds(session: Session, *, actor: Actor) -> int:
    """End every feed address of the actor."""
    require(actor, Action.READ)
    count = _revoke(session, actor.user_id or 0)
    session.commit()
    return count


def has_feed(session: Session, *, actor: Actor) -> bool:
    return select_rows(session, select(col(CalendarFeed.id)).where(
        col(CalendarFeed.user_id) == actor.user_id, col(CalendarFeed.revoked_at).is_(None))).first() is not None


def _revoke(session: Session, user_id: int) -> int:
    result = session.execute(update(CalendarFeed).where(col(CalendarFeed.user_id) == user_id,
                                                        col(CalendarFeed.revoked_at).is_(None))
                             .values(revoked_at=utcnow()))
    return int(result.rowcount)  # type: ignore[attr-defined]


def feed_ics(session: Session, *, token: str, now: datetime | None = None) -> bytes:
    """The feed of the token's owner, as they are now (scope, role, active); an unknown or revoked token is 404."""
    row = select_rows(session, select(CalendarFeed).where(col(CalendarFeed.token_hash) == auth.token_digest(token),
                                                          col(CalendarFeed.revoked_at).is_(None))).scalars().first()
    actor = actor_for_user(session, row.user_id) if row is not None else None
    if row is None or actor is None or not has_access(actor):
        raise NotFound('calendar feed not found')
    calendar = Calendar()
    calendar.add('prodid', '-//CTP Log//maintenance//EN')
    calendar.add('version', '2.0')
    calendar.add('x-wr-calname', f'CTP Log maintenance – {_name(session, row.user_id)}')
    for order in orders.due_list(session, actor=actor, states=('upcoming', 'soon', 'due', 'overdue')):
        if order.due_at is None:
            continue
        task = session.get(MaintenanceTask, order.task_id)
        event = Event()
        event.add('uid', f'ctp-log-pm-{order.id}')
        event.add('summary', f'{order.machine_name}: {order.title}')
        event.add('dtstart', order.due_at)
        event.add('dtend', order.due_at + timedelta(minutes=task.expected_minutes if task else 30))
        event.add('dtstamp', now or utcnow())
        event.add('description', task.instructions if task else '')
        calendar.add_component(event)
    return calendar.to_ical()  # type: ignore[no-any-return]


def _name(session: Session, user_id: int) -> str:
    user = session.get(User, user_id)
    return user.name if user else ''
