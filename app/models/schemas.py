"""Request and response models (extra fields refused) for services, API and pages."""
import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.models.enums import MachineStatus, NotificationType, PhotoKind, ProblemStatus, ResolvedBy, Role, TechnicianType

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
MAX_ID = 2**31 - 1  # ids fit every database's INTEGER; larger numbers are a 400, not a driver overflow
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


CONTROL_CHARACTERS = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')


class StrictModel(BaseModel):
    """Request bodies: unknown fields refused; text without control characters (NUL, escape...), which no
    database stores alike and no screen shows; tabs and line breaks are fine."""

    model_config = ConfigDict(extra='forbid')

    @field_validator('*', mode='after')
    @classmethod
    def _printable_text(cls, value: object) -> object:
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise ValueError('control characters are not allowed')
        return value


# Machines.
class MachineCreate(StrictModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    nickname: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = None
    description: LongText | None = None
    maker_model: ShortText | None = None
    location: ShortText | None = None


class MachineUpdate(StrictModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)] | None = None
    nickname: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = None
    description: LongText | None = None
    maker_model: ShortText | None = None
    location: ShortText | None = None
    retired: bool | None = None


class OpenProblemSummary(BaseModel):
    id: int
    problem_description: str
    category: str | None
    status: ProblemStatus
    is_stopping: bool
    is_planned: bool
    start_time: datetime
    acknowledged_at: datetime | None
    acknowledged_by_name: str | None
    vendor_called_at: datetime | None
    vendor_arrived_at: datetime | None
    category_id: int | None = None


class MachinePublic(BaseModel):
    id: int
    name: str
    nickname: str | None
    status: MachineStatus
    description: str | None
    maker_model: str | None
    location: str | None
    retired_at: datetime | None
    created_at: datetime
    updated_at: datetime
    open_problem_count: int = 0
    down_since: datetime | None = None
    current_downtime_minutes: int = 0
    today_downtime_minutes: int = 0
    open_problem: OpenProblemSummary | None = None
    maintenance_due: str | None = None  # 'due' | 'overdue': a task of its maintenance plan (issue 22)


# Problem logs.
class ProblemLogCreate(StrictModel):
    machine_id: Id
    problem_description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    problem_date: date | None = None
    category_id: Id | None = None
    is_stopping: bool = True
    is_planned: bool | None = None
    start_time: AwareDatetime | None = None
    technician_type: TechnicianType = TechnicianType.INTERNAL
    technician_name: ShortText | None = None
    vendor_called_at: AwareDatetime | None = None
    vendor_ticket: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    plates_lost: int = Field(default=0, ge=0, le=9999)
    client_key: Annotated[
        str, StringConstraints(min_length=8, max_length=64, pattern=r'^[A-Za-z0-9_.:-]+$')] | None = None


class ProblemLogUpdate(StrictModel):
    """Edits and transitions: setting `status` acknowledges, completes, reopens or cancels."""

    version: int | None = Field(default=None, ge=1, le=MAX_ID)
    status: ProblemStatus | None = None
    problem_description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)] | None = None
    category_id: Id | None = None
    is_stopping: bool | None = None
    is_planned: bool | None = None
    start_time: AwareDatetime | None = None
    end_time: AwareDatetime | None = None
    solution: LongText | None = None
    resolved_by: ResolvedBy | None = None
    technician_type: TechnicianType | None = None
    technician_name: ShortText | None = None
    vendor_called_at: AwareDatetime | None = None
    vendor_arrived_at: AwareDatetime | None = None
    vendor_ticket: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    plates_lost: int | None = Field(default=None, ge=0, le=9999)
    reason: LongText | None = None
    never_ran: bool = False
    owner_id: Id | None = Field(default=None, description='hand the problem over to this colleague')
    reopened_at: AwareDatetime | None = None  # with status in_progress on a completed problem: when it went down again


class PhotoPublic(BaseModel):
    id: int
    kind: PhotoKind
    url: str
    thumb_url: str
    original_name: str | None
    width: int
    height: int
    created_at: datetime


class AuditEntryPublic(BaseModel):
    at: datetime
    actor_name: str | None
    action: str
    field: str | None
    old: str | None
    new: str | None


class ProblemLogPublic(BaseModel):
    id: int
    machine_id: int
    machine_name: str
    problem_date: date
    problem_description: str
    problem_photo: str | None
    solution: str | None
    technician_type: TechnicianType
    technician_name: str | None
    start_time: datetime
    end_time: datetime | None
    status: ProblemStatus
    created_by: int | None
    created_by_name: str | None
    created_at: datetime
    updated_at: datetime
    category_id: int | None
    category: str | None
    subsystem: str | None
    is_stopping: bool
    is_planned: bool
    acknowledged_at: datetime | None
    acknowledged_by: int | None
    resolved_by: ResolvedBy | None
    vendor_called_at: datetime | None
    vendor_arrived_at: datetime | None
    vendor_ticket: str | None
    plates_lost: int
    cancel_reason: str | None
    downtime_minutes: int
    version: int
    photos: list[PhotoPublic] = []


class ProblemLogDetail(ProblemLogPublic):
    audit: list[AuditEntryPublic] = []
    abilities: dict[str, str | None] = Field(default_factory=dict, description=(
        'What the caller may do next on this problem, as on its page: action (take, hand_over, comment, add_photos, '
        'vendor, complete, reopen, edit, cancel, undo, delete) -> null when allowed, or the reason why not (in the '
        "caller's language, like error messages; the action names stay as they are). Actions "
        "that do not fit the problem's state are left out; a role that only reads gets {}."))


COMMENT_LIMIT = 2000


class CommentCreate(StrictModel):
    """A comment on a problem: what was tried, parts ordered, a note for the next shift."""

    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=COMMENT_LIMIT)]


class CommentPublic(BaseModel):
    id: int
    log_id: int
    author_id: int | None
    author_name: str | None
    created_at: datetime
    body: str


class ProblemLogPage(BaseModel):
    items: list[ProblemLogPublic]
    total: int
    next_cursor: str | None = None


# Notifications.
class NotificationPublic(BaseModel):
    id: int
    machine_id: int
    log_id: int | None
    notification_type: NotificationType
    message: str
    is_read: bool
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationPublic]
    total: int
    unread: int


# Users.
class LanguageIn(StrictModel):
    """A choice of language: en or de; null means the plant default (CTP_LANGUAGE)."""

    language: str | None = Field(max_length=8)


class UserPublic(BaseModel):
    id: int
    username: str
    name: str
    role: Role
    division_id: int | None
    is_active: bool
    machine_ids: list[int] = []
    language: str | None = None  # own choice of language; null: the plant default
