"""Managing alerts (issue 23): channels, rules, roster and the outbox (admins); one's own subscriptions (people).

Secrets are write-only: a channel answers `has_secret`, never the secret. Webhook URLs must be http(s) and on
CTP_ALERT_ALLOWED_HOSTS already when saved (the sender checks again at every send).
"""
import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session, col

from app.db import pk, rolls_back, select_rows
from app.errors import Conflict, InvalidInput, NotFound
from app.models import AlertChannel, AlertOutbox, AlertSubscription, EscalationRule, ShiftRoster, User
from app.models.schemas import Id, StrictModel
from app.services import alert_outbox, alert_send
from app.services.access import ROLE_ACTIONS, Action, Actor, require, visible_machine_ids
from app.services.alerts import EVENT_KINDS, split_ids

EMAIL = re.compile(r'^[^@\s<>(),;:"\[\]]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$')
EventKind = Literal['problem_created', 'problem_acknowledged', 'vendor_called', 'problem_resolved', 'problem_reopened',
                    'problem_cancelled', 'not_acknowledged', 'vendor_not_arrived']
Minute = Field(default=None, ge=0, le=1439)


class ChannelIn(StrictModel):
    name: str = Field(min_length=1, max_length=80)
    kind: Literal['webhook', 'teams', 'slack', 'email']
    target: str = Field(min_length=3, max_length=500, description='URL, or an e-mail address for kind email')
    secret: str | None = Field(default=None, max_length=200, description='write-only: never shown again')
    enabled: bool = True


class ChannelPublic(BaseModel):
    id: int
    name: str
    kind: str
    target: str
    has_secret: bool
    enabled: bool


class SubscriptionIn(StrictModel):
    channel_kind: Literal['email', 'webhook', 'teams', 'slack']
    address: str = Field(default='', max_length=254)
    channel_id: Id | None = None
    machine_ids: list[Id] = Field(default_factory=list, max_length=100, description='empty: every machine in scope')
    event_kinds: list[EventKind] = Field(default_factory=list, max_length=20, description='empty: every kind')
    quiet_start: int | None = Minute
    quiet_end: int | None = Minute
    enabled: bool = True


class SubscriptionPublic(SubscriptionIn):
    model_config = ConfigDict(extra='ignore')
    id: int
    user_id: int


class ShiftIO(StrictModel):
    name: str = Field(min_length=1, max_length=60)
    weekday: int = Field(ge=0, le=6)
    start_minute: int = Field(ge=0, le=1439)
    end_minute: int = Field(ge=1, le=1440, description='not after start: the shift runs past midnight')
    lead_user_id: Id | None = None
    member_ids: list[Id] = Field(default_factory=list, max_length=100)


class Roster(StrictModel):
    shifts: list[ShiftIO] = Field(default_factory=list, max_length=500)


class RuleIn(StrictModel):
    kind: Literal['not_acknowledged', 'vendor_not_arrived']
    minutes: int = Field(ge=1, le=7 * 24 * 60)
    target: Literal['shift_lead', 'managers', 'admins']
    enabled: bool = True


class RulePublic(RuleIn):
    model_config = ConfigDict(extra='ignore')
    id: int


class OutboxItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    idempotency_key: str
    channel_kind: str
    destination: str
    user_id: int | None
    log_id: int | None
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @model_validator(mode='after')
    def _short_error(self) -> 'OutboxItem':
        self.last_error = (self.last_error or '')[:300] or None
        return self


class OutboxPage(BaseModel):
    items: list[OutboxItem]
    total: int


def _channel_public(row: AlertChannel) -> ChannelPublic:
    return ChannelPublic(id=row.id, name=row.name, kind=row.kind, target=row.target,
                         has_secret=bool(row.secret), enabled=row.enabled)


def _check_target(kind: str, target: str) -> None:
    if kind == 'email':
        if not EMAIL.match(target):
            raise InvalidInput('not an e-mail address', field='target')
        return
    try:
        alert_send.check_destination(target)
    except alert_send.DeliveryFailed as error:
        raise InvalidInput(str(error), field='target') from error


def list_channels(session: Session, *, actor: Actor) -> list[ChannelPublic]:
    """Admins see every channel; others the enabled ones they may subscribe to (without targets)."""
    require(actor, Action.OWN_ALERTS)
    rows = select_rows(session, select(AlertChannel).order_by(col(AlertChannel.name))).scalars()
    admin = Action.ADMINISTER in ROLE_ACTIONS[actor.role]
    return [_channel_public(row) if admin else ChannelPublic(id=row.id, name=row.name, kind=row.kind, target='',
                                                             has_secret=False, enabled=True)
            for row in rows if admin or row.enabled]


@rolls_back
def save_channel(session: Session, *, actor: Actor, body: ChannelIn, channel_id: int | None = None) -> ChannelPublic:
    """Admin: add a channel, or change one (a secret left out keeps the stored one; '' removes it)."""
    require(actor, Action.ADMINISTER)
    _check_target(body.kind, body.target)
    row = (AlertChannel(name=body.name, kind=body.kind, target=body.target) if channel_id is None
           else session.get(AlertChannel, channel_id))
    if row is None:
        raise NotFound(f'alert channel {channel_id} not found')
    taken = select_rows(session, select(pk(AlertChannel.id)).where(
        func.lower(col(AlertChannel.name)) == body.name.lower())).first()
    if taken is not None and taken[0] != channel_id:
        raise Conflict(f'a channel named {body.name!r} exists already')
    row.name, row.kind, row.target, row.enabled = body.name, body.kind, body.target, body.enabled
    if body.secret is not None:
        row.secret = body.secret
    session.add(row)
    session.commit()
    return _channel_public(row)


@rolls_back
def delete_channel(session: Session, *, actor: Actor, channel_id: int) -> None:
    require(actor, Action.ADMINISTER)
    row = session.get(AlertChannel, channel_id)
    if row is None:
        raise NotFound(f'alert channel {channel_id} not found')
    session.delete(row)
    session.commit()


def _subscription_public(row: AlertSubscription) -> SubscriptionPublic:
    return SubscriptionPublic(id=row.id, user_id=row.user_id, channel_kind=row.channel_kind,
                              address=row.address, channel_id=row.channel_id,
                              machine_ids=sorted(split_ids(row.machine_ids)),
                              event_kinds=[k for k in row.event_kinds.split() if k in EVENT_KINDS],
                              quiet_start=row.quiet_start, quiet_end=row.quiet_end, enabled=row.enabled)


def list_subscriptions(session: Session, *, actor: Actor) -> list[SubscriptionPublic]:
    """The actor's own subscriptions."""
    require(actor, Action.OWN_ALERTS)
    rows = select_rows(session, select(AlertSubscription).where(col(AlertSubscription.user_id) == actor.user_id)
                       .order_by(pk(AlertSubscription.id))).scalars()
    return [_subscription_public(row) for row in rows]


def _check_subscription(session: Session, actor: Actor, body: SubscriptionIn) -> None:
    if body.channel_kind == 'email' and body.channel_id is None and not EMAIL.match(body.address):
        raise InvalidInput('give an e-mail address', field='address')
    if body.channel_kind != 'email' or body.channel_id is not None:
        channel = session.get(AlertChannel, body.channel_id) if body.channel_id else None
        if channel is None or not channel.enabled or channel.kind != body.channel_kind:
            raise InvalidInput('choose an enabled channel of this kind', field='channel_id')
    visible = visible_machine_ids(session, actor)
    if visible is not None and not set(body.machine_ids) <= visible:
        raise InvalidInput('a machine is not in your scope', field='machine_ids')
    if (body.quiet_start is None) != (body.quiet_end is None):
        raise InvalidInput('quiet hours need a start and an end', field='quiet_end')


@rolls_back
def save_subscription(session: Session, *, actor: Actor, body: SubscriptionIn,
                      subscription_id: int | None = None) -> SubscriptionPublic:
    """Add or change one of the actor's own subscriptions (someone else's is 404)."""
    require(actor, Action.OWN_ALERTS)
    row = (AlertSubscription(user_id=actor.user_id, channel_kind=body.channel_kind)  # type: ignore[arg-type]  # people only: user_id set
           if subscription_id is None else _own(session, actor, subscription_id))
    _check_subscription(session, actor, body)
    row.channel_kind, row.address, row.channel_id = body.channel_kind, body.address.strip(), body.channel_id
    row.machine_ids = ' '.join(str(i) for i in sorted(set(body.machine_ids)))
    row.event_kinds = ' '.join(sorted(set(body.event_kinds)))
    row.quiet_start, row.quiet_end, row.enabled = body.quiet_start, body.quiet_end, body.enabled
    session.add(row)
    session.commit()
    return _subscription_public(row)


def _own(session: Session, actor: Actor, subscription_id: int) -> AlertSubscription:
    row = session.get(AlertSubscription, subscription_id)
    if row is None or row.user_id != actor.user_id:
        raise NotFound(f'subscription {subscription_id} not found')
    return row


@rolls_back
def delete_subscription(session: Session, *, actor: Actor, subscription_id: int) -> None:
    require(actor, Action.OWN_ALERTS)
    session.delete(_own(session, actor, subscription_id))
    session.commit()


def read_roster(session: Session, *, actor: Actor) -> list[ShiftIO]:
    require(actor, Action.ADMINISTER)
    rows = select_rows(session, select(ShiftRoster).order_by(col(ShiftRoster.weekday),
                                                             col(ShiftRoster.start_minute))).scalars()
    return [ShiftIO(name=r.name, weekday=r.weekday, start_minute=r.start_minute, end_minute=r.end_minute,
                    lead_user_id=r.lead_user_id, member_ids=sorted(split_ids(r.member_ids))) for r in rows]


@rolls_back
def replace_roster(session: Session, *, actor: Actor, shifts: list[ShiftIO]) -> list[ShiftIO]:
    """Admin: the roster is replaced as a whole (as the operating calendar is)."""
    require(actor, Action.ADMINISTER)
    people = {s.lead_user_id for s in shifts if s.lead_user_id} | {m for s in shifts for m in s.member_ids}
    known = set(select_rows(session, select(pk(User.id)).where(pk(User.id).in_(sorted(people)))).scalars()) \
        if people else set()
    if people - known:
        raise InvalidInput(f'unknown users: {sorted(people - known)}', field='shifts')
    for old in select_rows(session, select(ShiftRoster)).scalars():
        session.delete(old)
    for shift in shifts:
        session.add(ShiftRoster(name=shift.name, weekday=shift.weekday, start_minute=shift.start_minute,
                                end_minute=shift.end_minute, lead_user_id=shift.lead_user_id,
                                member_ids=' '.join(map(str, sorted(set(shift.member_ids))))))
    session.commit()
    return read_roster(session, actor=actor)


def list_rules(session: Session, *, actor: Actor) -> list[RulePublic]:
    require(actor, Action.ADMINISTER)
    rows = select_rows(session, select(EscalationRule).order_by(col(EscalationRule.kind),
                                                                col(EscalationRule.minutes))).scalars()
    return [RulePublic.model_validate(row, from_attributes=True) for row in rows]


@rolls_back
def save_rule(session: Session, *, actor: Actor, body: RuleIn, rule_id: int | None = None) -> RulePublic:
    require(actor, Action.ADMINISTER)
    row = (EscalationRule(kind=body.kind, minutes=body.minutes, target=body.target) if rule_id is None
           else session.get(EscalationRule, rule_id))
    if row is None:
        raise NotFound(f'escalation rule {rule_id} not found')
    row.kind, row.minutes, row.target, row.enabled = body.kind, body.minutes, body.target, body.enabled
    session.add(row)
    session.commit()
    return RulePublic.model_validate(row, from_attributes=True)


@rolls_back
def delete_rule(session: Session, *, actor: Actor, rule_id: int) -> None:
    require(actor, Action.ADMINISTER)
    row = session.get(EscalationRule, rule_id)
    if row is None:
        raise NotFound(f'escalation rule {rule_id} not found')
    session.delete(row)
    session.commit()


def list_outbox(session: Session, *, actor: Actor, status: str | None = None, limit: int = 50,
                offset: int = 0) -> OutboxPage:
    """Admin: the outbox, newest first; status 'dead' is the dead-letter list."""
    require(actor, Action.ADMINISTER)
    where: list[ColumnElement[bool]] = [col(AlertOutbox.status) == status] if status else []
    total = select_rows(session, select(func.count()).select_from(AlertOutbox).where(*where)).one()[0]
    rows = select_rows(session, select(AlertOutbox).where(*where).order_by(pk(AlertOutbox.id).desc())
                       .limit(limit).offset(offset)).scalars()
    return OutboxPage(items=[OutboxItem.model_validate(row) for row in rows], total=total)


def retry(session: Session, *, actor: Actor, outbox_id: int) -> None:
    """Admin: send a dead (or waiting) alert again now."""
    require(actor, Action.ADMINISTER)
    if not alert_outbox.retry(session, outbox_id):
        raise NotFound(f'no dead or waiting alert {outbox_id}')
