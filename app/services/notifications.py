"""Notifications: one row per recipient, scoped at read time, auto-read after N days (DOMAIN.md §7).

A notification's text is stored as its kind's English template and parameters (`stored`) and put into words when it
is read, in the reader's language (`message_text`); rows from before keep their English sentence as it is.
"""
import json
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Insert, Select, and_, bindparam, delete, func, insert, select, update
from sqlmodel import Session, col

from app import events
from app.config import get_settings
from app.db import pk, prepared, rolls_back, select_rows
from app.errors import NotFound
from app.i18n import N_, _, render
from app.models import AlertOutbox, CTPNotification, NotificationType, Role, User, UserMachine, utcnow
from app.models.schemas import NotificationPage, NotificationPublic
from app.services import alerts
from app.services.access import Action, Actor, machine_scope, require


def _auto_read_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=get_settings().notification_auto_read_days)


def recipients_in_scope(session: Session, machine_id: int) -> set[int]:
    """Active admins and managers, plus CTP users assigned to the machine."""
    return set(select_rows(session, _recipients(), {'machine_id': machine_id}).scalars())


@prepared
def _recipients() -> Select[int]:
    staff = select(pk(User.id)).where(col(User.is_active), col(User.role).in_((Role.ADMIN, Role.MANAGER)))
    assigned = (select(pk(User.id)).join(UserMachine, col(UserMachine.user_id) == col(User.id))
                .where(col(User.is_active), col(User.role) == Role.CTP_USER,
                       col(UserMachine.machine_id) == bindparam('machine_id')))
    return select(staff.union(assigned).subquery().c[0])


def admins(session: Session) -> set[int]:
    return set(select_rows(session, select(pk(User.id)).where(col(User.is_active), col(User.role) == Role.ADMIN))
               .scalars())


def notify(session: Session, *, user_ids: set[int], machine_id: int, log_id: int | None,
           kind: NotificationType, message: str, alert_key: str | None = None, outbound: bool = True,
           what: str | None = None) -> set[int]:
    """Add one notification per recipient (the caller commits and publishes), and, in the same transaction, the
    outbound alerts of their subscriptions (issue 23; `alert_key` makes a repeatable event's idempotency keys;
    `what` names what the alert is about when it is no problem, e.g. a maintenance task)."""
    now = utcnow()
    if user_ids:  # one INSERT of plain rows: building a model object per recipient cost more than storing it
        session.execute(_insert_rows(), [
            {'user_id': user_id, 'machine_id': machine_id, 'log_id': log_id, 'notification_type': str(kind),
             'message': message, 'is_read': False, 'created_at': now, 'read_at': None} for user_id in sorted(user_ids)])
    if outbound:
        alerts.enqueue_for(session, user_ids=user_ids, machine_id=machine_id, log_id=log_id, kind=kind, key=alert_key,
                           what=what)
    return user_ids


@prepared
def _insert_rows() -> Insert:
    return insert(CTPNotification)


def publish_for(user_ids: set[int]) -> None:
    events.publish_all(changes_for(user_ids))


def changes_for(user_ids: set[int]) -> list[events.Change]:
    """The events telling these users' screens that their notifications changed."""
    return [(events.notifications_changed, user_id) for user_id in sorted(user_ids)]


def _unread_clause(now: datetime) -> ColumnElement[bool]:
    return and_(col(CTPNotification.is_read).is_(False), col(CTPNotification.created_at) >= _auto_read_cutoff(now))


def _own_in_scope(session: Session, actor: Actor) -> list[ColumnElement[bool]]:
    return [col(CTPNotification.user_id) == actor.user_id, machine_scope(session, actor, CTPNotification.machine_id)]


def list_notifications(session: Session, *, actor: Actor, include_read: bool = False,
                       limit: int = 50, offset: int = 0) -> NotificationPage:
    """The actor's notifications (unread only by default), newest first, for machines they may see now."""
    require(actor, Action.READ)
    now = utcnow()
    where = _own_in_scope(session, actor)
    unread_where = [*where, _unread_clause(now)]
    listed = where if include_read else unread_where
    total = select_rows(session, select(func.count()).select_from(CTPNotification).where(*listed)).one()[0]
    unread = select_rows(session, select(func.count()).select_from(CTPNotification).where(*unread_where)).one()[0]
    rows = select_rows(session, select(CTPNotification).where(*listed)
                        .order_by(col(CTPNotification.created_at).desc(), col(CTPNotification.id).desc())
                        .limit(limit).offset(offset)).scalars()
    cutoff = _auto_read_cutoff(now)
    items = [_public(row, cutoff) for row in rows]
    return NotificationPage(items=items, total=total, unread=unread)


def unread_count(session: Session, *, actor: Actor, log_id: int | None = None) -> int:
    """The actor's unread notifications (optionally only those of one problem)."""
    if actor.user_id is None:
        return 0
    where = [*_own_in_scope(session, actor), _unread_clause(utcnow())]
    if log_id is not None:
        where.append(col(CTPNotification.log_id) == log_id)
    return int(select_rows(session, select(func.count()).select_from(CTPNotification).where(*where)).one()[0])


def stored(template: str, *, words: tuple[str, ...] = (), **params: object) -> str:
    """A notification's text to store: a marked English template with its parameters; `words` names the
    parameters that are marked texts themselves (a machine state: 'RUNNING'), translated when read."""
    return json.dumps({'text': template, 'params': params, 'words': list(words)}, ensure_ascii=False, default=str)


def message_text(message: str) -> str:
    """A stored notification in the current language; an old row (an English sentence) as it is."""
    if not message.startswith('{'):
        return message
    try:
        data = json.loads(message)
        params = {key: _(str(value)) if key in data.get('words', ()) else value
                  for key, value in data.get('params', {}).items()}
        return render(str(data['text']), params)
    except (ValueError, KeyError, TypeError, AttributeError):
        return message


def _public(row: CTPNotification, cutoff: datetime) -> NotificationPublic:
    public = NotificationPublic.model_validate(row, from_attributes=True)
    public.message = message_text(row.message)
    if not row.is_read and row.created_at < cutoff:
        public.is_read = True
        public.read_at = row.created_at + timedelta(days=get_settings().notification_auto_read_days)
    return public


@rolls_back
def mark_read(session: Session, *, actor: Actor, notification_id: int) -> NotificationPublic:
    """Mark one of the actor's notifications read; someone else's or out of scope is 404."""
    require(actor, Action.READ)
    row = select_rows(session, select(CTPNotification).where(col(CTPNotification.id) == notification_id,
                                                     *_own_in_scope(session, actor))).scalars().first()
    if row is None:
        raise NotFound(N_('notification {id} not found'), id=notification_id)
    if not row.is_read:
        row.is_read, row.read_at = True, utcnow()
        session.add(row)
        session.commit()
        events.publish(events.notifications_changed, actor.user_id or 0)
    return _public(row, _auto_read_cutoff(utcnow()))


@rolls_back
def mark_all_read(session: Session, *, actor: Actor, log_id: int | None = None) -> int:
    """Mark all the actor's unread notifications read (optionally only those of one problem)."""
    require(actor, Action.READ)
    now = utcnow()
    where = [*_own_in_scope(session, actor), col(CTPNotification.is_read).is_(False)]
    if log_id is not None:
        where.append(col(CTPNotification.log_id) == log_id)
    result = session.execute(update(CTPNotification).where(*where).values(is_read=True, read_at=now)
                             .execution_options(synchronize_session=False))
    session.commit()
    if result.rowcount:  # type: ignore[attr-defined]
        events.publish(events.notifications_changed, actor.user_id or 0)
    return int(result.rowcount)  # type: ignore[attr-defined]


def auto_read_job(session: Session) -> int:
    """The periodic job: store is_read for notifications older than the auto-read age, read_at = created + age."""
    settings = get_settings()
    cutoff = _auto_read_cutoff(utcnow())
    stale = list(select_rows(session, select(CTPNotification).where(col(CTPNotification.is_read).is_(False),
                                                            col(CTPNotification.created_at) < cutoff)).scalars())
    for row in stale:
        row.is_read, row.read_at = True, row.created_at + timedelta(days=settings.notification_auto_read_days)
        session.add(row)
    session.commit()
    return len(stale)


def notified_about(session: Session, log_id: int, kind: NotificationType) -> set[int]:
    query = select(col(CTPNotification.user_id)).where(col(CTPNotification.log_id) == log_id,
                                                  col(CTPNotification.notification_type) == kind)
    return set(select_rows(session, query).scalars())


def withdraw(session: Session, log_id: int) -> set[int]:
    """A problem that never was one (a machine's micro-stop): its notifications go, and so do its outbound alerts not
    yet handed to a sender. Returns whose bells changed (the caller commits and publishes)."""
    users = set(select_rows(session, select(col(CTPNotification.user_id))
                            .where(col(CTPNotification.log_id) == log_id)).scalars())
    session.execute(delete(CTPNotification).where(col(CTPNotification.log_id) == log_id))
    session.execute(delete(AlertOutbox).where(col(AlertOutbox.log_id) == log_id, col(AlertOutbox.status) == 'pending'))
    return users


__all__ = ['recipients_in_scope', 'notify', 'list_notifications', 'mark_read', 'mark_all_read']
