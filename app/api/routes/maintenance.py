"""/api/maintenance: plans (tasks with steps), work orders (due list, start, readings, complete, skip), figures,
and the caller's iCalendar feed (its address is the only credential of the feed itself)."""
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import AwareDatetime, Field

from app.api.deps import CurrentActor
from app.api.routes import PathId, in_read_session, in_session, json_body
from app.errors import InvalidInput
from app.models.maintenance_schemas import (
    CompleteIn,
    FeedPublic,
    FigurePublic,
    OrderPublic,
    ReadingIn,
    ReadingPublic,
    SkipIn,
    TaskIn,
    TaskPublic,
)
from app.models.schemas import Id, StrictModel
from app.services.maintenance import feed, figures, orders, plans, templates, work

router = APIRouter(prefix='/api/maintenance', tags=['maintenance'])
JSON = [Depends(json_body)]
States = Annotated[list[str] | None, Query(max_length=4)]
STATES = ('upcoming', 'soon', 'due', 'overdue')


@router.get('/due', response_model=list[OrderPublic])
async def read_due(actor: CurrentActor, machine_id: Annotated[Id | None, Query()] = None,
                   state: States = None) -> list[OrderPublic]:
    """Pending work orders of the caller's machines (default: due soon, due, overdue), overdue first."""
    wanted = tuple(state or ('soon', 'due', 'overdue'))
    if not set(wanted) <= set(STATES):
        raise InvalidInput(f'state must be one of {", ".join(STATES)}', field='state')
    return await in_read_session(lambda s: orders.due_list(s, actor=actor, machine_id=machine_id, states=wanted))


@router.get('/history', response_model=list[OrderPublic])
async def read_history(actor: CurrentActor, machine_id: Annotated[Id, Query()]) -> list[OrderPublic]:
    """A machine's finished work orders (done, skipped, missed), newest first."""
    return await in_read_session(lambda s: orders.history(s, actor=actor, machine_id=machine_id))


@router.get('/orders/{order_id}', response_model=OrderPublic)
async def read_order(order_id: PathId, actor: CurrentActor) -> OrderPublic:
    """One work order with its readings."""
    return await in_read_session(lambda s: orders.read_order(s, actor=actor, order_id=order_id))


@router.post('/orders/{order_id}/start', response_model=OrderPublic)
async def start_order(order_id: PathId, actor: CurrentActor) -> OrderPublic:
    """Start a work order (a task that stops the machine opens its planned stop)."""
    return await in_session(lambda s: work.start_order(s, actor=actor, order_id=order_id))


@router.put('/orders/{order_id}/readings', response_model=ReadingPublic, dependencies=JSON)
async def record_reading(order_id: PathId, body: ReadingIn, actor: CurrentActor) -> ReadingPublic:
    """Tick a step or type a reading; `out_of_limits` and a pre-filled `problem_text` when outside its limits."""
    return await in_session(lambda s: work.record_reading(s, actor=actor, order_id=order_id, reading_in=body))


@router.post('/orders/{order_id}/complete', response_model=OrderPublic, dependencies=JSON)
async def complete_order(order_id: PathId, body: CompleteIn, actor: CurrentActor) -> OrderPublic:
    """Done: closes the planned stop and schedules the next work order."""
    return await in_session(lambda s: work.complete_order(s, actor=actor, order_id=order_id, note=body.note))


@router.post('/orders/{order_id}/skip', response_model=OrderPublic, dependencies=JSON)
async def skip_order(order_id: PathId, body: SkipIn, actor: CurrentActor) -> OrderPublic:
    """Skip with a reason; the next one counts from this one's due date."""
    return await in_session(lambda s: work.skip_order(s, actor=actor, order_id=order_id, reason=body.reason))


@router.get('/tasks', response_model=list[TaskPublic])
async def read_tasks(actor: CurrentActor, machine_id: Annotated[Id, Query()]) -> list[TaskPublic]:
    """A machine's plan: its tasks with their checklist steps."""
    return await in_read_session(lambda s: plans.list_plan(s, actor=actor, machine_id=machine_id))


@router.post('/tasks', response_model=TaskPublic, status_code=201, dependencies=JSON)
async def create_task(body: TaskIn, actor: CurrentActor) -> TaskPublic:
    """Add a task to a machine's plan (admins)."""
    return await in_session(lambda s: plans.create_task(s, actor=actor, task_in=body))


@router.put('/tasks/{task_id}', response_model=TaskPublic, dependencies=JSON)
async def update_task(task_id: PathId, body: TaskIn, actor: CurrentActor) -> TaskPublic:
    """Change a task (admins); a changed trigger re-schedules its pending work order."""
    return await in_session(lambda s: plans.update_task(s, actor=actor, task_id=task_id, task_in=body))


@router.delete('/tasks/{task_id}', status_code=204)
async def delete_task(task_id: PathId, actor: CurrentActor) -> Response:
    """Take a task out of the plan (admins); its history stays."""
    await in_session(lambda s: plans.delete_task(s, actor=actor, task_id=task_id))
    return Response(status_code=204)


class StartingPlanIn(StrictModel):
    machine_id: Id


@router.post('/starting-plan', response_model=list[TaskPublic], status_code=201, dependencies=JSON)
async def add_starting_plan(body: StartingPlanIn, actor: CurrentActor) -> list[TaskPublic]:
    """Add the starting plan (platesetter and processor tasks, to be checked against the manuals) to a machine."""
    return await in_session(lambda s: templates.apply_starting_plan(s, actor=actor, machine_id=body.machine_id))


class CopyPlanIn(StrictModel):
    from_machine_id: Id
    to_machine_ids: list[Id] | None = Field(default=None, max_length=500)  # None: the others of its model


@router.post('/copy-plan', response_model=list[TaskPublic], status_code=201, dependencies=JSON)
async def copy_plan(body: CopyPlanIn, actor: CurrentActor) -> list[TaskPublic]:
    """Apply a machine's plan to other machines (default: the others of the same model); admins."""
    return await in_session(lambda s: plans.copy_plan(s, actor=actor, from_machine_id=body.from_machine_id,
                                                      to_machine_ids=body.to_machine_ids))


@router.get('/figures', response_model=FigurePublic)
async def read_figures(actor: CurrentActor, start: Annotated[AwareDatetime, Query()],
                       end: Annotated[AwareDatetime, Query()]) -> FigurePublic:
    """PM compliance, overdue count, planned vs unplanned downtime, MTBF before/after the latest plan change."""
    if end <= start:
        raise InvalidInput('end must be after start', field='end')
    return await in_read_session(lambda s: figures.figures(s, actor=actor, start=start, end=end))


@router.post('/calendar', response_model=FeedPublic, status_code=201)
async def create_feed(actor: CurrentActor) -> FeedPublic:
    """A new secret calendar feed address for the caller (earlier ones stop working)."""
    return FeedPublic(url=await in_session(lambda s: feed.new_feed(s, actor=actor)))


@router.delete('/calendar', status_code=204)
async def revoke_feed(actor: CurrentActor) -> Response:
    """End the caller's calendar feed addresses."""
    await in_session(lambda s: feed.revoke_feeds(s, actor=actor))
    return Response(status_code=204)


@router.get('/calendar/{token}.ics', response_class=Response)
async def read_feed(token: Annotated[str, Path(min_length=8, max_length=128, pattern=r'^[A-Za-z0-9_.-]+$')]) \
        -> Response:
    """The feed (iCalendar) of upcoming maintenance on the owner's machines; the secret address is the credential."""
    body = await in_read_session(lambda s: feed.feed_ics(s, token=token, now=datetime.now().astimezone()))
    return Response(body, media_type='text/calendar; charset=utf-8', headers={'Cache-Control': 'no-store'})
