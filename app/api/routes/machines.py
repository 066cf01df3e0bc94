"""GET /api/ctp-machines and friends: machines in the caller's scope; admins create and edit."""
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from app.api.deps import CurrentActor, CurrentCaller
from app.api.routes import PathId, in_read_session, in_session, json_body, read_as
from app.config import get_settings
from app.errors import InvalidInput
from app.i18n import N_
from app.models.schemas import MachineCreate, MachinePublic, MachineUpdate
from app.models.types import utcnow
from app.services import calendar, machines, stats

router = APIRouter(prefix='/api/ctp-machines', tags=['machines'])


class CauseOut(BaseModel):
    subsystem: str
    minutes: float
    count: int


class StatsOut(BaseModel):
    machine_id: int | None
    date_from: date
    date_to: date
    window_minutes: float
    operating_minutes: float
    problem_count: int
    failure_count: int
    planned_count: int
    episodes: int
    unplanned_downtime_minutes: float
    unplanned_operating_downtime_minutes: float
    planned_downtime_minutes: float
    mttr_minutes: float | None
    mtbf_minutes: float | None
    mtta_minutes: float | None
    vendor_response_minutes: float | None
    availability: float | None
    availability_24_7: float | None
    plates_lost: int
    top_causes: list[CauseOut]
    ack_count: int  # the n of mtta_minutes
    vendor_count: int  # the n of vendor_response_minutes
    reopened_failures: int  # failures reopened at least once
    reopen_count: int
    first_time_fix_rate: float | None
    not_machine_fault_count: int
    not_machine_fault_minutes: float


LOCAL_DATE = r'^\d{4}-\d{2}-\d{2}$'
DATE_DOC = ('a plant-local calendar date (YYYY-MM-DD, zone CTP_TIMEZONE), inclusive; a date-time is refused '
            '(400) rather than truncated')


@router.get('', response_model=list[MachinePublic])
async def read_machines(caller: CurrentCaller, include_retired: bool = False) -> list[MachinePublic]:
    """Machines the caller may see, with status, open problem count and current downtime."""
    return await read_as(caller, lambda s, actor: machines.list_machines(
        s, actor=actor, include_retired=include_retired))


@router.get('/{machine_id}', response_model=MachinePublic)
async def read_machine(machine_id: PathId, caller: CurrentCaller) -> MachinePublic:
    """One machine in scope."""
    return await read_as(caller, lambda s, actor: machines.get_machine(s, actor=actor, machine_id=machine_id))


@router.get('/{machine_id}/stats', response_model=StatsOut)
async def read_machine_stats(machine_id: PathId, actor: CurrentActor,
                             date_from: Annotated[str | None, Query(alias='from', pattern=LOCAL_DATE,
                                                                    description='First day: ' + DATE_DOC)] = None,
                             date_to: Annotated[str | None, Query(alias='to', pattern=LOCAL_DATE,
                                                                  description='Last day: ' + DATE_DOC)] = None,
                             ) -> StatsOut:
    """KPIs of one machine between two plant-local dates, both inclusive (default: the last 30 days), cut to
    the machine's life and to now."""
    today = utcnow().astimezone(get_settings().zone).date()
    last = _local_date(date_to, 'to') or today
    first = _local_date(date_from, 'from') or date.fromordinal(last.toordinal() - 29)
    if first > last:
        raise InvalidInput(N_('"from" must not be after "to"'), field='from')

    def work(session: object) -> StatsOut:
        machines.get_machine(session, actor=actor, machine_id=machine_id)  # type: ignore[arg-type]
        start, end = calendar.local_range_bounds(first, last)
        row = stats.machine_stats(session, actor=actor, start=start, end=end,  # type: ignore[arg-type]
                                  machine_ids=[machine_id])[machine_id]
        return StatsOut(date_from=first, date_to=last, mttr_minutes=row.mttr_minutes, mtbf_minutes=row.mtbf_minutes,
                        availability=row.availability, availability_24_7=row.availability_24_7,
                        first_time_fix_rate=row.first_time_fix_rate,
                        top_causes=[CauseOut(**vars(c)) for c in row.top_causes],
                        **{k: v for k, v in vars(row).items() if k != 'top_causes'})
    return await in_read_session(work)


def _local_date(value: str | None, field: str) -> date | None:
    try:
        return date.fromisoformat(value) if value is not None else None
    except ValueError as error:
        raise InvalidInput(f'"{field}" is not a calendar date (YYYY-MM-DD)', field=field) from error


@router.post('', response_model=MachinePublic, status_code=201, dependencies=[Depends(json_body)])
async def create_machine(body: MachineCreate, actor: CurrentActor) -> MachinePublic:
    """Admin: add a machine."""
    def work(session: object) -> MachinePublic:
        machine = machines.create_machine(session, actor=actor, machine_in=body)  # type: ignore[arg-type]
        return machines.summarize(session, [machine])[0]  # type: ignore[arg-type]
    return await in_session(work)


@router.put('/{machine_id}', response_model=MachinePublic, dependencies=[Depends(json_body)])
async def update_machine(machine_id: PathId, body: MachineUpdate, actor: CurrentActor) -> MachinePublic:
    """Admin: edit name, nickname, description; `"retired": true` retires the machine."""
    def work(session: object) -> MachinePublic:
        machine = machines.update_machine(session, actor=actor, machine_id=machine_id, changes=body)  # type: ignore[arg-type]
        return machines.summarize(session, [machine])[0]  # type: ignore[arg-type]
    return await in_session(work)
