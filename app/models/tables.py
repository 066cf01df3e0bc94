"""Database tables: the design document's four entities under their design names, plus what the rules need."""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Index, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow

SQLModel.metadata.naming_convention = {
    'ix': 'ix_%(column_0_label)s',
    'uq': 'uq_%(table_name)s_%(column_0_name)s',
    'ck': 'ck_%(table_name)s_%(constraint_name)s',
    'fk': 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s',
    'pk': 'pk_%(table_name)s',
}


def _created() -> datetime:
    return utcnow()


# Organisation: divisions, users and which machines a CTP user is assigned to.
class Division(SQLModel, table=True):
    __tablename__ = 'divisions'
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)


class User(SQLModel, table=True):
    __tablename__ = 'users'
    __table_args__ = (CheckConstraint("role IN ('admin','ctp_user','manager','none')", name='role'),)
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=120)
    role: str = Field(default='none', max_length=16)
    division_id: int | None = Field(default=None, foreign_key='divisions.id', ondelete='SET NULL')
    password_hash: str = Field(default='', max_length=255)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    # Cookie sessions that proved the password before this moment are signed out (deactivation, password change).
    sessions_valid_after: datetime | None = Field(default=None, sa_type=UTCDateTime)
    language: str | None = Field(default=None, max_length=8)  # None: the plant default (CTP_LANGUAGE)


class UserMachine(SQLModel, table=True):
    __tablename__ = 'user_machines'
    user_id: int = Field(foreign_key='users.id', primary_key=True, ondelete='CASCADE')
    machine_id: int = Field(foreign_key='ctp_machines.id', primary_key=True, ondelete='CASCADE', index=True)


# Machines (one plate line each); status is a cache derived from open problems.
class CTPMachine(SQLModel, table=True):
    __tablename__ = 'ctp_machines'
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    nickname: str | None = Field(default=None, max_length=60)
    status: str = Field(default='operational', max_length=16, index=True)
    description: str | None = Field(default=None, sa_type=Text)
    maker_model: str | None = Field(default=None, max_length=120)
    location: str | None = Field(default=None, max_length=120)
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


# The failure taxonomy: subsystems (parent_id NULL) and their symptoms.
class Category(SQLModel, table=True):
    __tablename__ = 'categories'
    __table_args__ = (UniqueConstraint('parent_id', 'name', name='uq_categories_parent_name'),)
    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key='categories.id', index=True)
    name: str = Field(max_length=120)
    names: dict[str, str] | None = Field(default=None, sa_type=JSON)  # per language ({"de": ...}), else `name`
    machine_fault: bool = Field(default=True)
    is_planned_default: bool = Field(default=False)
    active: bool = Field(default=True)
    sort: int = Field(default=0)


_VERSION_COLUMN = Column('version', Integer, nullable=False, server_default='1')


# A problem on a machine: the design's CTPProblemLog plus lifecycle, vendor and downtime fields.
class CTPProblemLog(SQLModel, table=True):
    __tablename__ = 'ctp_problem_logs'
    __table_args__ = (
        Index('ix_ctp_problem_logs_machine_start', 'machine_id', 'start_time'),
        Index('ix_ctp_problem_logs_machine_status', 'machine_id', 'status'),
        Index('ix_ctp_problem_logs_status_start', 'status', 'start_time'),
        # Live (not deleted) problems by machine and status: lists and their totals read only this index.
        Index('ix_ctp_problem_logs_live_machine_status_start', 'machine_id', 'status', 'start_time', 'deleted_at',
              sqlite_where=text('deleted_at IS NULL'), postgresql_where=text('deleted_at IS NULL')),
        CheckConstraint('plates_lost >= 0 AND plates_lost <= 9999', name='plates_lost'),
        CheckConstraint("status IN ('open','in_progress','completed','cancelled')", name='status'),
    )
    __mapper_args__ = {'version_id_col': _VERSION_COLUMN}
    id: int | None = Field(default=None, primary_key=True)
    machine_id: int = Field(foreign_key='ctp_machines.id', index=True, ondelete='RESTRICT')
    problem_date: date
    problem_description: str = Field(sa_type=Text)
    problem_photo: str | None = Field(default=None, max_length=255)
    solution: str | None = Field(default=None, sa_type=Text)
    technician_type: str = Field(default='internal', max_length=16)
    technician_name: str | None = Field(default=None, max_length=120)
    start_time: datetime = Field(sa_type=UTCDateTime)
    end_time: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default='open', max_length=16, index=True)
    created_by: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    category_id: int | None = Field(default=None, foreign_key='categories.id', index=True)
    is_stopping: bool = Field(default=True)
    is_planned: bool = Field(default=False)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_by: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    resolved_by: str | None = Field(default=None, max_length=24)
    vendor_called_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    vendor_arrived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    vendor_ticket: str | None = Field(default=None, max_length=64)
    plates_lost: int = Field(default=0)
    client_key: str | None = Field(default=None, max_length=64, unique=True)
    request_hash: str | None = Field(default=None, max_length=64)
    cancel_reason: str | None = Field(default=None, sa_type=Text)
    downtime_minutes: int = Field(default=0)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_VERSION_COLUMN)


# The source of truth for downtime: one row per stop interval; up_at NULL = still down.
class DowntimeSegment(SQLModel, table=True):
    __tablename__ = 'downtime_segments'
    __table_args__ = (Index('ix_downtime_segments_machine_down', 'machine_id', 'down_at'),
                      Index('ix_downtime_segments_machine_up', 'machine_id', 'up_at'))
    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key='ctp_problem_logs.id', index=True, ondelete='CASCADE')
    machine_id: int = Field(foreign_key='ctp_machines.id', ondelete='CASCADE')
    down_at: datetime = Field(sa_type=UTCDateTime)
    up_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    is_planned: bool = Field(default=False)


# Append-only history of every change to a problem.
class ProblemAudit(SQLModel, table=True):
    __tablename__ = 'problem_audit'
    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key='ctp_problem_logs.id', index=True, ondelete='CASCADE')
    actor_id: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    action: str = Field(max_length=24)
    field: str | None = Field(default=None, max_length=64)
    old: str | None = Field(default=None, sa_type=Text)
    new: str | None = Field(default=None, sa_type=Text)


# The team's thread on a problem: what was tried, parts ordered, notes for the next shift (append-only).
class ProblemComment(SQLModel, table=True):
    __tablename__ = 'problem_comments'
    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key='ctp_problem_logs.id', index=True, ondelete='CASCADE')
    author_id: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    body: str = Field(sa_type=Text)


# Photos of a problem (before/after), stored under random names.
class ProblemPhoto(SQLModel, table=True):
    __tablename__ = 'problem_photos'
    id: int | None = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key='ctp_problem_logs.id', index=True, ondelete='CASCADE')
    stored_name: str = Field(max_length=64, unique=True)
    thumb_name: str = Field(max_length=64)
    sha256: str = Field(max_length=64)
    kind: str = Field(default='before', max_length=8)
    original_name: str | None = Field(default=None, max_length=255)
    width: int = 0
    height: int = 0
    size_bytes: int = 0
    created_by: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


# One notification row per recipient (the design's row had no recipient).
class CTPNotification(SQLModel, table=True):
    __tablename__ = 'ctp_notifications'
    __table_args__ = (Index('ix_ctp_notifications_user_read_created', 'user_id', 'is_read', 'created_at'),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key='users.id', ondelete='CASCADE')
    machine_id: int = Field(foreign_key='ctp_machines.id', index=True, ondelete='CASCADE')
    log_id: int | None = Field(default=None, foreign_key='ctp_problem_logs.id', index=True, ondelete='CASCADE')
    notification_type: str = Field(max_length=32)
    message: str = Field(sa_type=Text)
    is_read: bool = Field(default=False)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime, index=True)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# The plant's operating calendar: weekly shift windows (plant-local) and closed days. Empty = 24/7.
class OperatingWindow(SQLModel, table=True):
    __tablename__ = 'operating_windows'
    __table_args__ = (CheckConstraint('weekday >= 0 AND weekday <= 6', name='weekday'),
                      CheckConstraint('start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute',
                                      name='minutes'))
    id: int | None = Field(default=None, primary_key=True)
    weekday: int
    start_minute: int
    end_minute: int


class PlantClosure(SQLModel, table=True):
    __tablename__ = 'plant_closures'
    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True)
    reason: str | None = Field(default=None, max_length=120)


# Personal API tokens (stored hashed) and server-side sign-in sessions.
class ApiToken(SQLModel, table=True):
    __tablename__ = 'api_tokens'
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key='users.id', index=True, ondelete='CASCADE')
    name: str = Field(max_length=80)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginFailure(SQLModel, table=True):
    __tablename__ = 'login_failures'
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, index=True)
    at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


# Wall displays: a device token (hashed) scoped to a set of machines.
class DisplayDevice(SQLModel, table=True):
    __tablename__ = 'display_devices'
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    pairing_code_hash: str | None = Field(default=None, max_length=64, unique=True)
    all_machines: bool = Field(default=True)
    created_by: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    language: str | None = Field(default=None, max_length=8)  # None: the plant default (CTP_LANGUAGE)


class DisplayClaim(SQLModel, table=True):
    """An unpaired wall screen shows a short code; an admin types it for a display (app/services/display_claims.py)."""
    __tablename__ = 'display_claims'
    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    secret_hash: str = Field(max_length=64, unique=True)
    display_id: int | None = Field(default=None, foreign_key='display_devices.id', ondelete='CASCADE')
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class DisplayMachine(SQLModel, table=True):
    __tablename__ = 'display_machines'
    display_id: int = Field(foreign_key='display_devices.id', primary_key=True, ondelete='CASCADE')
    machine_id: int = Field(foreign_key='ctp_machines.id', primary_key=True, ondelete='CASCADE')


# A maintained roll-up of the KPIs per machine and plant-local day (app/services/rollup.py): written in the
# transaction that changes segments, problems or the calendar; statistics sum it for whole closed days.
class DailyRollup(SQLModel, table=True):
    __tablename__ = 'daily_rollups'
    __table_args__ = (Index('ix_daily_rollups_open', 'machine_id', 'day',
                            sqlite_where=text('is_open = 1'), postgresql_where=text('is_open')),)
    machine_id: int = Field(foreign_key='ctp_machines.id', primary_key=True, ondelete='CASCADE')
    day: date = Field(primary_key=True)
    is_open: bool = Field(default=False)  # a stop touching this day was still running when it was written
    unplanned_s: float = 0.0  # merged unplanned stop seconds inside the day
    unplanned_op_s: float = 0.0  # ... inside operating hours
    stopped_s: float = 0.0  # merged stop seconds, planned and unplanned
    stopped_op_s: float = 0.0
    episodes: int = 0  # unplanned stop episodes that start this day
    episode_s: float = 0.0  # their whole length
    problems: int = 0  # problems that start this day (machine faults, not cancelled)
    planned: int = 0
    ack_n: int = 0
    ack_s: float = 0.0
    vendor_n: int = 0
    vendor_s: float = 0.0
    plates_lost: int = 0


class DailyCauseRollup(SQLModel, table=True):
    __tablename__ = 'daily_cause_rollups'
    # (machine, day) for rewriting days; covering (machine, subsystem, day): a year of causes summed per pair.
    __table_args__ = (Index('ix_daily_cause_rollups_machine_day', 'machine_id', 'day'),
                      Index('ix_daily_cause_rollups_sums', 'machine_id', 'subsystem_id', 'day', 'seconds', 'problems'))
    id: int | None = Field(default=None, primary_key=True)
    machine_id: int = Field(foreign_key='ctp_machines.id', ondelete='CASCADE')
    day: date
    subsystem_id: int | None = Field(default=None, foreign_key='categories.id', ondelete='CASCADE')  # None: no category
    seconds: float = 0.0  # unplanned stop seconds of this subsystem's problems inside the day (not merged)
    problems: int = 0  # unplanned problems of this subsystem that start this day
