"""Tables of machine self-reporting over CIP4 JMF/XJMF: device links, raw status signals, machine stops, meters."""
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


def _created() -> datetime:
    return utcnow()


# A JMF SenderID (and optionally one DeviceID behind it) linked to a machine; its secret is stored hashed.
class DeviceLink(SQLModel, table=True):
    __tablename__ = 'device_links'
    id: int | None = Field(default=None, primary_key=True)
    machine_id: int = Field(foreign_key='ctp_machines.id', index=True, ondelete='CASCADE')
    sender_id: str = Field(max_length=120)
    device_id: str = Field(default='', max_length=120)  # '' = every DeviceInfo of the sender
    secret_hash: str = Field(max_length=64, unique=True)
    allowed_addresses: str = Field(default='', max_length=500)  # space-separated IPs/networks; '' = any
    created_by: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    last_signal_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=200)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# One DeviceInfo as received (kept for the retention period): the source of the time ledger.
class JmfSignal(SQLModel, table=True):
    __tablename__ = 'jmf_signals'
    __table_args__ = (Index('ix_jmf_signals_machine_at', 'machine_id', 'at'),)
    id: int | None = Field(default=None, primary_key=True)
    link_id: int = Field(foreign_key='device_links.id', index=True, ondelete='CASCADE')
    machine_id: int = Field(foreign_key='ctp_machines.id', ondelete='CASCADE')
    at: datetime = Field(sa_type=UTCDateTime)  # the device's time, or the receipt time when its clock is off
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime, index=True)
    protocol: str = Field(max_length=8)  # jmf | xjmf
    device_status: str = Field(max_length=20)
    state: str = Field(max_length=12)  # production | standby | setup | stopped | down | no_data
    status_details: str = Field(default='', max_length=200)
    device_condition: str = Field(default='', max_length=20)
    production_counter: float | None = None
    total_counter: float | None = None
    hour_counter: float | None = None


# A stop the machine reported: an unexplained stop (with its problem) or a counted micro-stop.
class MachineStop(SQLModel, table=True):
    __tablename__ = 'machine_stops'
    __table_args__ = (Index('ix_machine_stops_machine_started', 'machine_id', 'started_at'),)
    id: int | None = Field(default=None, primary_key=True)
    machine_id: int = Field(foreign_key='ctp_machines.id', ondelete='CASCADE')
    log_id: int | None = Field(default=None, foreign_key='ctp_problem_logs.id', index=True, ondelete='SET NULL')
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    kind: str = Field(default='stop', max_length=8)  # stop | micro
    device_status: str = Field(max_length=20)
    status_details: str = Field(default='', max_length=200)
    device_condition: str = Field(default='', max_length=20)
    suggested_category_id: int | None = Field(default=None, foreign_key='categories.id', ondelete='SET NULL')
    explained_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    explained_by: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')


# A counter value that changed; `delta` is the increase since the previous reading (a reset counts from zero).
class MeterReading(SQLModel, table=True):
    __tablename__ = 'meter_readings'
    __table_args__ = (Index('ix_meter_readings_machine_meter_at', 'machine_id', 'meter', 'at'),)
    id: int | None = Field(default=None, primary_key=True)
    machine_id: int = Field(foreign_key='ctp_machines.id', ondelete='CASCADE')
    meter: str = Field(max_length=16)  # production | total_production | hours
    at: datetime = Field(sa_type=UTCDateTime)
    value: float
    delta: float
    unit: str = Field(default='', max_length=20)


# CTP Log subscribed to a device's or workflow server's status signals (JMF Query Status + Subscription); the
# signals come back through `link_id`, whose secret is renewed with every subscription.
class JmfSubscription(SQLModel, table=True):
    __tablename__ = 'jmf_subscriptions'
    id: int | None = Field(default=None, primary_key=True)
    link_id: int = Field(foreign_key='device_links.id', index=True, ondelete='CASCADE')
    url: str = Field(max_length=500)  # the device's JMF endpoint
    created_by: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    subscribed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # last answer Subscribed="true"
    attempted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_renewal_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime, index=True)
    last_error: str | None = Field(default=None, max_length=300)
