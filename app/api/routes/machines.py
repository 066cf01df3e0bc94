"""GET /api/ctp-machines and friends: machines in the caller's scope; admins create and edit."""
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from app.api.deps import CurrentActor, CurrentCaller
from app.api.routes import PathId, in_read_session, in_session, json_body, read_as
from app.config import get_settings
from app.errors import InvalidInput
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
                             date_from: Annotated[date | None, Query(alias='from')] = None,
                             date_to: Annotated[date | None, Query(alias='to')] = None) -> StatsOut:
    """KPIs of one machine between two plant-local dates (inclusive; default: the last 30 days)."""
    today = utcnow().astimezone(get_settings().zone).date()
    last = date_to or today
    first = date_from or date.fromordinal(last.toordinal() - 29)
    if first > last:
        raise InvalidInput('"from" must not be after "to"', field='from')

    def work(session: object) -> StatsOut:
        machines.get_machine(session, actor=actor, machine_id=machine_id)  # type: ignore[arg-type]
        start, end = calendar.local_range_bounds(first, last)
        row = stats.machine_stats(session, actor=actor, start=start, end=end,  # type: ignore[arg-type]
                                  machine_ids=[machine_id])[machine_id]
        return StatsOut(date_from=first, date_to=last, mttr_minutes=row.mttr_minutes, mtbf_minutes=row.mtbf_minutes,
                        availability=row.availability, availability_24_7=row.availability_24_7,
                        top_causes=[CauseOut(**vars(c)) for c in row.top_causes],
                        **{k: v for k, v in vars(row).items() if k != 'top_causes'})
    return await in_read_session(work)


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
