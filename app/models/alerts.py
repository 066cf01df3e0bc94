"""Tables of outbound alerts (issue 23): channels, subscriptions, shift roster, escalation rules, the outbox."""
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow

CHANNEL_KINDS = ('email', 'webhook', 'teams', 'slack')
OUTBOX_STATUSES = ('pending', 'sending', 'sent', 'dead')
RULE_KINDS = ('not_acknowledged', 'vendor_not_arrived')
RULE_TARGETS = ('shift_lead', 'managers', 'admins')


def _created() -> datetime:
    return utcnow()


# A destination admins set up: a webhook, Teams or Slack URL with its secret (never returned once saved).
class AlertChannel(SQLModel, table=True):
    __tablename__ = 'alert_channels'
    __table_args__ = (CheckConstraint("kind IN ('email','webhook','teams','slack')", name='kind'),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    kind: str = Field(max_length=12)
    target: str = Field(max_length=500)  # the URL (webhooks) or an e-mail address (a shared mailbox)
    secret: str = Field(default='', max_length=200)  # HMAC key of generic webhooks; write-only through the API
    enabled: bool = Field(default=True)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


# What one person wants to hear about, where: their e-mail address or a channel admins set up.
class AlertSubscription(SQLModel, table=True):
    __tablename__ = 'alert_subscriptions'
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key='users.id', index=True, ondelete='CASCADE')
    channel_kind: str = Field(max_length=12)  # email | webhook | teams | slack
    address: str = Field(default='', max_length=254)  # the e-mail address (kind email)
    channel_id: int | None = Field(default=None, foreign_key='alert_channels.id', ondelete='CASCADE')
    machine_ids: str = Field(default='', max_length=500)  # space-separated ids; '' = every machine in scope
    event_kinds: str = Field(default='', max_length=300)  # space-separated notification kinds; '' = all
    quiet_start: int | None = None  # plant-local minute of the day; quiet from start to end (may wrap midnight)
    quiet_end: int | None = None
    enabled: bool = Field(default=True)


# Who is on which shift: a weekly window in plant time (end <= start crosses midnight), its lead and members.
class ShiftRoster(SQLModel, table=True):
    __tablename__ = 'shift_roster'
    __table_args__ = (CheckConstraint('weekday >= 0 AND weekday <= 6', name='weekday'),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60)
    weekday: int
    start_minute: int = Field(ge=0, le=1439)
    end_minute: int = Field(ge=0, le=1440)
    lead_user_id: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    member_ids: str = Field(default='', max_length=500)  # space-separated user ids


# When to tell whom: a stop not taken in N minutes, a vendor not arrived in the contract's time.
class EscalationRule(SQLModel, table=True):
    __tablename__ = 'escalation_rules'
    __table_args__ = (CheckConstraint("kind IN ('not_acknowledged','vendor_not_arrived')", name='kind'),
                      CheckConstraint("target IN ('shift_lead','managers','admins')", name='target'))
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)
    minutes: int = Field(ge=1, le=7 * 24 * 60)
    target: str = Field(max_length=16)
    enabled: bool = Field(default=True)


# That a rule fired for a problem: each rule fires once per problem.
class EscalationFired(SQLModel, table=True):
    __tablename__ = 'escalations_fired'
    __table_args__ = (UniqueConstraint('log_id', 'rule_id', name='uq_escalations_fired_log_rule'),)
    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key='ctp_problem_logs.id', ondelete='CASCADE')
    rule_id: int = Field(foreign_key='escalation_rules.id', ondelete='CASCADE')
    fired_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


# One alert to send, written in the transaction of the change that caused it; the sender leases and sends it.
class AlertOutbox(SQLModel, table=True):
    __tablename__ = 'alert_outbox'
    __table_args__ = (Index('ix_alert_outbox_status_next', 'status', 'next_attempt_at'),
                      CheckConstraint("status IN ('pending','sending','sent','dead')", name='status'))
    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=120, unique=True)
    channel_kind: str = Field(max_length=12)
    channel_id: int | None = Field(default=None, foreign_key='alert_channels.id', ondelete='SET NULL')
    destination: str = Field(max_length=500)  # the e-mail address, or the channel's name (its URL is read at send)
    user_id: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    log_id: int | None = Field(default=None, foreign_key='ctp_problem_logs.id', ondelete='SET NULL')
    payload: str = Field(sa_type=Text)  # JSON: the rendered alert in the recipient's language
    status: str = Field(default='pending', max_length=8)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease: str | None = Field(default=None, max_length=32)  # who holds the claim
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
