"""What machines reported over JMF/XJMF: stops to explain, meters, the state ledger and raw signals (admins)."""
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, Field

from app.api.deps import CurrentActor
from app.api.routes import PathId, in_read_session, in_session, json_body
from app.models.schemas import Id, StrictModel
from app.services.jmf import reads, stops, truth

router = APIRouter(tags=['machine reports'])
Start = Annotated[AwareDatetime | None, Query(description='window start (default: end - 1 day)')]
End = Annotated[AwareDatetime | None, Query(description='window end (default and at most: now)')]


class StopOut(BaseModel):
    id: int
    machine_id: int
    machine_name: str
    log_id: int | None
    started_at: datetime
    ended_at: datetime | None
    kind: str = Field(description='stop (a problem was opened) or micro (shorter than the micro-stop threshold)')
    device_status: str
    status_details: str
    device_condition: str
    suggested_category_id: int | None
    suggested_category: str | None
    explained_at: datetime | None


class ReasonIn(StrictModel):
    category_id: Id | None = Field(default=None, description='default: the category suggested by the details')
    note: str | None = Field(default=None, max_length=1000)


class MeterOut(BaseModel):
    meter: str = Field(description='production | total_production | hours')
    unit: str
    value: float | None
    increase: float
    readings: int


class IntervalOut(BaseModel):
    start: datetime
    end: datetime
    state: str


class LedgerOut(BaseModel):
    machine_id: int
    start: datetime
    end: datetime
    intervals: list[IntervalOut]
    seconds: dict[str, float] = Field(description='per state; they add up to end - start')
    micro_stops: int


class TruthOut(BaseModel):
    machine_id: int | None = Field(description='null: the plant total')
    name: str
    reports: bool = Field(description='the machine has a device link: its ledger counts')
    machine_minutes: float = Field(description='downtime the machines captured themselves (their own stops)')
    typed_minutes: float = Field(description='unplanned downtime of problems people reported, overlaps merged')
    unexplained_minutes: float = Field(description="machine stops' downtime still without a reason")
    unexplained_count: int
    micro_stops: int
    mtta_minutes: float | None = Field(description="from the machine's own stop to a person taking it")
    mtta_count: int
    ledger_seconds: dict[str, float] = Field(description='per state; for a reporting machine they add up to the window')


class TruthReportOut(BaseModel):
    start: datetime
    end: datetime
    machines: list[TruthOut]
    plant: TruthOut


class SignalOut(BaseModel):
    id: int
    at: datetime
    received_at: datetime
    protocol: str
    device_status: str
    state: str
    status_details: str
    device_condition: str
    production_counter: float | None
    total_counter: float | None
    hour_counter: float | None


@router.get('/api/machine-stops', response_model=list[StopOut])
async def read_machine_stops(actor: CurrentActor, unexplained: bool = False,
                             limit: Annotated[int, Query(ge=1, le=500)] = 200) -> list[StopOut]:
    """Stops the machines in the caller's scope reported, newest first; `unexplained=true`: still waiting for a why."""
    found = await in_read_session(lambda s: stops.list_stops(s, actor=actor, unexplained_only=unexplained,
                                                             limit=limit))
    return [StopOut(**info.__dict__) for info in found]


@router.put('/api/machine-stops/{stop_id}/reason', response_model=StopOut, dependencies=[Depends(json_body)])
async def explain_machine_stop(stop_id: PathId, body: ReasonIn, actor: CurrentActor) -> StopOut:
    """Give the reason of a machine stop (category, note); its problem takes them."""
    def work(session: object) -> StopOut:
        stops.explain_stop(session, actor=actor, stop_id=stop_id, category_id=body.category_id,  # type: ignore[arg-type]
                           note=body.note)
        info = next(i for i in stops.list_stops(session, actor=actor, limit=500) if i.id == stop_id)  # type: ignore[arg-type]
        return StopOut(**info.__dict__)
    return await in_session(work)


@router.get('/api/ctp-machines/{machine_id}/meters', response_model=list[MeterOut])
async def read_machine_meters(machine_id: PathId, actor: CurrentActor, start: Start = None,
                              end: End = None) -> list[MeterOut]:
    """The machine's counters (plates imaged, laser hours): latest value and increase over the window."""
    found = await in_read_session(lambda s: reads.read_meters(s, actor=actor, machine_id=machine_id, start=start,
                                                              end=end))
    return [MeterOut(**m.__dict__) for m in found]


@router.get('/api/ctp-machines/{machine_id}/ledger', response_model=LedgerOut)
async def read_machine_ledger(machine_id: PathId, actor: CurrentActor, start: Start = None,
                              end: End = None) -> LedgerOut:
    """Admin: the machine's state ledger (production, standby, setup, stopped, down, no data) over the window."""
    view = await in_read_session(lambda s: reads.read_ledger(s, actor=actor, machine_id=machine_id, start=start,
                                                             end=end))
    return LedgerOut(machine_id=view.machine_id, start=view.start, end=view.end, micro_stops=view.micro_stops,
                     intervals=[IntervalOut(start=i.start, end=i.end, state=i.state) for i in view.intervals],
                     seconds={str(k): v for k, v in view.seconds.items()})


@router.get('/api/ctp-machines/{machine_id}/signals', response_model=list[SignalOut])
async def read_machine_signals(machine_id: PathId, actor: CurrentActor,
                               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[SignalOut]:
    """Admin: the machine's latest raw JMF/XJMF status signals, newest first."""
    rows = await in_read_session(lambda s: [SignalOut(**r.model_dump()) for r in reads.read_signals(
        s, actor=actor, machine_id=machine_id, limit=limit)])
    return rows


@router.get('/api/stats/machine-truth', response_model=TruthReportOut)
async def read_machine_truth(actor: CurrentActor, start: Start = None, end: End = None) -> TruthReportOut:
    """Downtime the machines captured vs typed by people, MTTA from the machine's stop, unexplained downtime and the
    state ledger per machine in scope and for the plant (statistics readers)."""
    def work(session: object) -> TruthReportOut:
        first, last = reads.window(start, end)
        rows, plant = truth.machine_truth(session, actor=actor, start=first, end=last)  # type: ignore[arg-type]
        return TruthReportOut(start=first, end=last, machines=[TruthOut(**r.__dict__) for r in rows],
                              plant=TruthOut(**plant.__dict__))
    return await in_read_session(work)
