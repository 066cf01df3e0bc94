"""Outbound alerts (issue 23): who hears of an event, where, in their own language.

`enqueue_for` adds the outbox rows in the transaction of the change that causes them (it is called from
notifications.notify); the sender (app/alert_worker.py) delivers them later. A row holds the alert rendered in the
recipient's language as plain fields; each channel's format (and its escaping) is made at send time
(app/services/alert_send.py).
"""
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, bindparam, select
from sqlmodel import Session, col

from app import i18n
from app.config import get_settings
from app.db import pk, prepared, select_rows
from app.i18n import N_, _
from app.models import AlertChannel, AlertOutbox, AlertSubscription, CTPMachine, CTPProblemLog, User, utcnow
from app.services import alert_outbox, labels, taxonomy

TITLES = {
    'problem_created': N_('Problem reported on {machine}'),
    'problem_acknowledged': N_('Problem acknowledged on {machine}'),
    'vendor_called': N_('Vendor called for {machine}'),
    'problem_resolved': N_('Problem resolved on {machine}'),
    'problem_reopened': N_('Problem reopened on {machine}'),
    'problem_cancelled': N_('Problem cancelled on {machine}'),
    'not_acknowledged': N_('Stop on {machine} not acknowledged for {duration}'),
    'vendor_not_arrived': N_('Vendor for {machine} not arrived after {duration}'),
}
EVENT_KINDS = tuple(TITLES)
# Kinds one hears of with "every kind" (no own choice in a subscription): maintenance falling due
OTHER_TITLES = {
    'maintenance_due': N_('Maintenance due on {machine}'),
    'maintenance_overdue': N_('Maintenance overdue on {machine}'),
}


@dataclass(frozen=True)
class Event:
    """What happened, on which machine, since when, and where to see it."""

    kind: str
    machine_id: int
    machine: str
    log_id: int | None
    what: str
    since: datetime | None
    link: str


def enqueue_for(session: Session, *, user_ids: set[int], machine_id: int, log_id: int | None, kind: str,
                key: str | None = None, what: str | None = None) -> int:
    """Add one outbox row per matching subscription of these people (the caller commits). `key` makes the rows'
    idempotency keys (one per subscription); without it each call is a new event."""
    if not user_ids:
        return 0
    subscriptions = list(select_rows(session, _subscriptions(), {'ids': sorted(user_ids)}).scalars())
    if not subscriptions:
        return 0
    now = utcnow()
    event = describe(session, machine_id=machine_id, log_id=log_id, kind=kind, what=what)
    base = key or uuid.uuid4().hex
    languages = {row[0]: row[1] for row in select_rows(session, select(pk(User.id), col(User.language)).where(
        pk(User.id).in_(sorted(user_ids))))}
    added = 0
    for subscription in subscriptions:
        destination = _destination(session, subscription)
        if destination is None or not wants(subscription, machine_id=machine_id, kind=kind, now=now):
            continue
        payload = render(event, i18n.resolve(languages.get(subscription.user_id)))
        session.add(AlertOutbox(idempotency_key=f'{base}:{subscription.id}', channel_kind=subscription.channel_kind,
                                channel_id=subscription.channel_id, destination=destination,
                                user_id=subscription.user_id, log_id=log_id, payload=json.dumps(payload),
                                next_attempt_at=now, created_at=now))
        added += 1
    if added:
        alert_outbox.wake_after_commit(session)
    return added


@prepared
def _subscriptions() -> Select[AlertSubscription]:
    """The enabled subscriptions of the people :ids."""
    subscription = AlertSubscription
    return select(subscription).where(col(subscription.user_id).in_(bindparam('ids', expanding=True)),
                                      col(subscription.enabled))


def wants(subscription: AlertSubscription, *, machine_id: int, kind: str, now: datetime) -> bool:
    """The subscription covers this machine and kind, and it is not in its quiet hours (plant time)."""
    machines = split_ids(subscription.machine_ids)
    kinds = subscription.event_kinds.split()
    if (machines and machine_id not in machines) or (kinds and kind not in kinds):
        return False
    return not in_quiet_hours(subscription.quiet_start, subscription.quiet_end, now)


def in_quiet_hours(start: int | None, end: int | None, now: datetime) -> bool:
    if start is None or end is None or start == end:
        return False
    local = now.astimezone(get_settings().zone)
    minute = local.hour * 60 + local.minute
    return start <= minute < end if start < end else (minute >= start or minute < end)


def split_ids(text: str) -> set[int]:
    return {int(part) for part in text.split() if part.isdigit()}


def _destination(session: Session, subscription: AlertSubscription) -> str | None:
    channel = session.get(AlertChannel, subscription.channel_id) if subscription.channel_id else None
    if channel is not None and not channel.enabled:
        return None
    if subscription.channel_kind == 'email':  # one's own address, or a shared mailbox admins set up
        return (channel.target if channel is not None else subscription.address) or None
    return channel.name if channel is not None else None


def describe(session: Session, *, machine_id: int, log_id: int | None, kind: str, what: str | None = None) -> Event:
    """The event of an alert; `what` names it when it is about no problem (a maintenance task's title)."""
    machine = session.get(CTPMachine, machine_id)
    log = session.get(CTPProblemLog, log_id) if log_id else None
    what = what or ''
    if log is not None:
        what = taxonomy.category_info(session, log.category_id).label if log.category_id else ''
        what = f'{what}: {log.problem_description}' if what else log.problem_description
    base = labels.public_base_url(get_settings().public_origins, _own_address())
    link = f'{base}/problem-logs/{log_id}' if log_id else f'{base}/machines/{machine_id}'
    return Event(kind=kind, machine_id=machine_id, machine=machine.name if machine else '?', log_id=log_id,
                 what=what[:300], since=log.start_time if log else None, link=link)


def _own_address() -> str:
    settings = get_settings()
    return f'http://{settings.host}:{settings.port}'


def render(event: Event, language: str) -> dict[str, object]:
    """The alert in `language`, as plain (unescaped) fields; the channel formats escape them."""
    with i18n.language(language):
        minutes = (utcnow() - event.since).total_seconds() / 60 if event.since else 0.0
        title = _(TITLES.get(event.kind) or OTHER_TITLES.get(event.kind) or TITLES['problem_created']).format(
            machine=event.machine, duration=i18n.duration_text(max(minutes, 0)))
        facts = [(_('Machine'), event.machine), (_('What'), event.what or _('Problem'))]
        if event.since is not None:
            facts.append((_('Since'), f'{i18n.date_time_text(event.since)} ({i18n.duration_text(max(minutes, 0))})'))
        return {'kind': event.kind, 'title': title, 'facts': facts, 'link': event.link,
                'link_label': _('Open in CTP Log'), 'machine_id': event.machine_id, 'log_id': event.log_id,
                'since': event.since.isoformat() if event.since else None, 'language': language}
