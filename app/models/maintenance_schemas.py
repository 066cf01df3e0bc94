"""Request and response models of preventive maintenance (issue 22)."""
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from app.models.schemas import Id, LongText, StrictModel

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Meter = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16,
                                         pattern=r'^[a-z0-9_]+$')]


class StepIn(StrictModel):
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=160)]
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] | None = None
    min_value: float | None = None
    max_value: float | None = None
    meter: Meter | None = None

    @model_validator(mode='after')
    def _limits(self) -> 'StepIn':
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValueError('min_value cannot be above max_value')
        if self.unit is None and (self.min_value is not None or self.max_value is not None or self.meter):
            raise ValueError('limits and meters need a unit (a reading); a tick has none')
        return self


class TaskIn(StrictModel):
    """A task of a machine's plan: a calendar trigger, a meter trigger, or both (whichever comes first)."""

    machine_id: Id
    title: Title
    instructions: LongText = ''
    every_n: int | None = Field(default=None, ge=1, le=366)
    every_unit: Literal['day', 'week', 'month'] | None = None
    weekday: int | None = Field(default=None, ge=0, le=6)
    month_day: int | None = Field(default=None, ge=1, le=31)
    at_minute: int = Field(default=6 * 60, ge=0, le=1439)
    meter: Meter | None = None
    meter_every: float | None = Field(default=None, gt=0, le=1e9)
    lead_days: int = Field(default=1, ge=0, le=60)
    anchor: Literal['due', 'completion'] = 'due'
    needs_stop: bool = False
    expected_minutes: int = Field(default=30, ge=1, le=24 * 60)
    active: bool = True
    steps: list[StepIn] = Field(default_factory=list, max_length=50)

    @model_validator(mode='after')
    def _trigger(self) -> 'TaskIn':
        if (self.every_n is None) != (self.every_unit is None):
            raise ValueError('a calendar trigger needs both every_n and every_unit')
        if (self.meter is None) != (self.meter_every is None):
            raise ValueError('a meter trigger needs both meter and meter_every')
        if self.every_n is None and self.meter is None:
            raise ValueError('a task needs a calendar trigger, a meter trigger or both')
        return self


class StepPublic(BaseModel):
    id: int
    label: str
    unit: str | None
    min_value: float | None
    max_value: float | None
    meter: str | None


class TaskPublic(BaseModel):
    id: int
    machine_id: int
    title: str
    instructions: str
    every_n: int | None
    every_unit: str | None
    weekday: int | None
    month_day: int | None
    at_minute: int
    meter: str | None
    meter_every: float | None
    lead_days: int
    anchor: str
    needs_stop: bool
    expected_minutes: int
    active: bool
    template: bool
    steps: list[StepPublic] = Field(default_factory=list)


class ReadingIn(StrictModel):
    step_id: Id
    checked: bool = False
    value: float | None = Field(default=None, ge=-1e9, le=1e9)


class ReadingPublic(BaseModel):
    step_id: int
    checked: bool
    value: float | None
    out_of_limits: bool
    problem_text: str | None = None  # a pre-filled problem description when out of limits


class CompleteIn(StrictModel):
    note: LongText = ''


class SkipIn(StrictModel):
    reason: Reason


class OrderPublic(BaseModel):
    """A work order as the screens and the API show it: where it stands, and what this person may do with it."""

    id: int
    task_id: int
    machine_id: int
    machine_name: str
    title: str
    status: str                       # planned | in_progress | done | skipped | missed
    state: str                        # upcoming | soon | due | overdue | done | skipped | missed
    reason: str | None                # calendar | meter
    due_at: datetime | None
    meter: str | None
    meter_every: float | None
    meter_used: float | None
    needs_stop: bool
    started_at: datetime | None
    done_at: datetime | None
    note: str
    skip_reason: str | None
    log_id: int | None
    on_time: bool | None = None
    may_work: bool = False
    readings: list[ReadingPublic] = Field(default_factory=list)


class OrderAction(StrictModel):
    action: Literal['start']


class FigurePublic(BaseModel):
    """PM compliance (done on time ÷ due), overdue, planned vs unplanned downtime, MTBF before/after a plan change."""

    due: int
    on_time: int
    compliance: float | None
    overdue: int
    skipped: int
    planned_minutes: float
    unplanned_minutes: float
    mtbf_before_minutes: float | None = None
    mtbf_after_minutes: float | None = None
    plan_changed_at: datetime | None = None


class FeedPublic(BaseModel):
    url: str  # shown once: only its hash is stored
