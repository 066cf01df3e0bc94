"""/api/operating-hours: the plant's weekly shift windows and closed days (read: everyone; write: admins)."""
from datetime import date
from typing import Annotated

from fastapi import APIRouter
from pydantic import Field, StringConstraints, model_validator

from app.api.deps import CurrentActor
from app.api.routes import in_read_session, in_session
from app.models.schemas import StrictModel
from app.services import calendar, calendar_admin
from app.services.access import Action, require

router = APIRouter(prefix='/api/operating-hours', tags=['operating hours'])


class WindowIO(StrictModel):
    """One shift window: weekday 0 = Monday, minutes from plant-local midnight (end may be 1440)."""

    weekday: int = Field(ge=0, le=6)
    start_minute: int = Field(ge=0, le=1439)
    end_minute: int = Field(ge=1, le=1440)

    @model_validator(mode='after')
    def _ordered(self) -> 'WindowIO':
        if self.end_minute <= self.start_minute:
            raise ValueError('end_minute must be after start_minute')
        return self


class ClosureIO(StrictModel):
    day: date
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = None


class OperatingHours(StrictModel):
    """Empty windows mean the plant runs 24/7."""

    windows: list[WindowIO] = Field(default_factory=list, max_length=200)
    closures: list[ClosureIO] = Field(default_factory=list, max_length=2000)


def _read(session: object) -> OperatingHours:
    windows = [WindowIO(weekday=w, start_minute=a, end_minute=b) for w, a, b in calendar.weekly_windows(session)]  # type: ignore[arg-type]
    days = calendar.closed_days(session)  # type: ignore[arg-type]
    return OperatingHours(windows=windows, closures=[ClosureIO(day=d, reason=r) for d, r in days])


@router.get('', response_model=OperatingHours)
async def read_operating_hours(actor: CurrentActor) -> OperatingHours:
    """The weekly windows and closed days that statistics count as operating time."""
    def work(session: object) -> OperatingHours:
        require(actor, Action.READ)
        return _read(session)
    return await in_read_session(work)


@router.put('', response_model=OperatingHours)
async def replace_operating_hours(body: OperatingHours, actor: CurrentActor) -> OperatingHours:
    """Admin: replace the weekly windows and the closed days."""
    def work(session: object) -> OperatingHours:
        windows = [(w.weekday, w.start_minute, w.end_minute) for w in body.windows]
        calendar_admin.set_weekly_windows(session, actor=actor, windows=windows)  # type: ignore[arg-type]
        calendar_admin.set_closures(session, actor=actor, days={c.day: c.reason for c in body.closures})  # type: ignore[arg-type]
        return _read(session)
    return await in_session(work)
