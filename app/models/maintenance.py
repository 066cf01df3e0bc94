"""Tables of preventive maintenance (issue 22): tasks with their trigger, checklist steps, work orders, readings."""
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Text
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


def _created() -> datetime:
    return utcnow()


# A recurring task of a machine's plan: a calendar trigger, a meter trigger, or both (whichever comes first).
class MaintenanceTask(SQLModel, table=True):
    __tablename__ = 'pm_tasks'
    __table_args__ = (
        CheckConstraint("every_unit IS NULL OR every_unit IN ('day','week','month')", name='every_unit'),
        CheckConstraint("anchor IN ('due','completion')", name='anchor'),
        CheckConstraint('weekday IS NULL OR (weekday >= 0 AND weekday <= 6)', name='weekday'),
        CheckConstraint('every_n IS NOT NULL OR meter_every IS NOT NULL', name='trigger'),
    )
    id: int | None = Field(default=None, primary_key=True)
    machine_id: int = Field(foreign_key='ctp_machines.id', index=True, ondelete='CASCADE')
    title: str = Field(max_length=120)
    instructions: str = Field(default='', sa_type=Text)
    every_n: int | None = None              # calendar: every N units
    every_unit: str | None = Field(default=None, max_length=8)  # day | week | month
    weekday: int | None = None              # 0 = Monday: weekly tasks move to this weekday
    month_day: int | None = None            # monthly tasks keep this day (31 = the month's last day when shorter)
    at_minute: int = Field(default=6 * 60)  # plant-local time of day the task is due, minutes after midnight
    meter: str | None = Field(default=None, max_length=16)  # production | hours | a tablet reading's meter name
    meter_every: float | None = None        # meter: every N plates / laser hours
    lead_days: int = Field(default=1)       # "due soon" this many days before (meter: 10 % of the interval)
    anchor: str = Field(default='due', max_length=12)  # the next one counts from the due date or from the completion
    needs_stop: bool = Field(default=False)  # the machine is stopped: the time is a planned stop
    expected_minutes: int = Field(default=30)
    active: bool = Field(default=True)
    template: bool = Field(default=False)   # from the starting plan: to be checked against the vendor's manual
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    changed_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)  # last change of the trigger


# A checklist step: a tick, or a reading with its unit and limits.
class MaintenanceStep(SQLModel, table=True):
    __tablename__ = 'pm_steps'
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key='pm_tasks.id', index=True, ondelete='CASCADE')
    sort: int = Field(default=0)
    label: str = Field(max_length=160)
    unit: str | None = Field(default=None, max_length=20)  # None: a tick; else a reading in this unit
    min_value: float | None = None
    max_value: float | None = None
    meter: str | None = Field(default=None, max_length=16)  # a reading that feeds the machine's meter of this name


# One due instance of a task (a work order): planned → in_progress → done, or skipped / missed.
class MaintenanceOrder(SQLModel, table=True):
    __tablename__ = 'pm_orders'
    __table_args__ = (
        Index('ix_pm_orders_task_status', 'task_id', 'status'),
        CheckConstraint("status IN ('planned','in_progress','done','skipped','missed')", name='status'),
    )
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key='pm_tasks.id', ondelete='CASCADE')
    machine_id: int = Field(foreign_key='ctp_machines.id', index=True, ondelete='CASCADE')
    status: str = Field(default='planned', max_length=12, index=True)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # calendar due (meter: when it was reached)
    meter_from: datetime | None = Field(default=None, sa_type=UTCDateTime)  # meter use counts from here
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    started_by: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by: int | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    note: str = Field(default='', sa_type=Text)
    skip_reason: str | None = Field(default=None, max_length=500)
    log_id: int | None = Field(default=None, foreign_key='ctp_problem_logs.id', ondelete='SET NULL')  # planned stop
    notified_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notified_overdue_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


# A step's result on one work order: ticked, or a value (out of limits flagged).
class MaintenanceReading(SQLModel, table=True):
    __tablename__ = 'pm_readings'
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key='pm_orders.id', index=True, ondelete='CASCADE')
    step_id: int = Field(foreign_key='pm_steps.id', ondelete='CASCADE')
    checked: bool = Field(default=False)
    value: float | None = None
    out_of_limits: bool = Field(default=False)
    at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


# A person's secret calendar feed address (stored hashed); revoking ends it.
class CalendarFeed(SQLModel, table=True):
    __tablename__ = 'pm_calendar_feeds'
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key='users.id', index=True, ondelete='CASCADE')
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
