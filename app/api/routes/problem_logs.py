"""/api/ctp-problem-logs: list with filters, read with audit trail, report, edit/transition, delete."""
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from app.api.deps import CurrentActor
from app.api.routes import in_session
from app.models import ProblemStatus, TechnicianType
from app.models.schemas import ProblemLogCreate, ProblemLogDetail, ProblemLogPage, ProblemLogUpdate
from app.services import problem_logs, problem_queries
from app.services.problem_queries import ProblemFilter

router = APIRouter(prefix='/api/ctp-problem-logs', tags=['problem logs'])


@router.get('', response_model=ProblemLogPage)
async def read_problem_logs(
        actor: CurrentActor, machine_id: int | None = None,
        status: Annotated[list[ProblemStatus] | None, Query()] = None, category: int | None = None,
        technician_type: TechnicianType | None = None,
        date_from: Annotated[date | None, Query(alias='from')] = None,
        date_to: Annotated[date | None, Query(alias='to')] = None,
        q: Annotated[str | None, Query(max_length=200)] = None,
        sort: Annotated[str, Query(max_length=32)] = '-start_time',
        limit: Annotated[int, Query(ge=1, le=problem_queries.MAX_LIMIT)] = 50,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> ProblemLogPage:
    """Problems the caller may see, filtered, sorted and paginated: {"items": [...], "total": N}."""
    filters = ProblemFilter(machine_id=machine_id, status=tuple(status or ()), category_id=category,
                            technician_type=technician_type, date_from=date_from, date_to=date_to, q=q,
                            sort=sort, limit=limit, offset=offset)
    return await in_session(lambda s: problem_queries.list_problems(s, actor=actor, filters=filters))


@router.get('/{log_id}', response_model=ProblemLogDetail)
async def read_problem_log(log_id: int, actor: CurrentActor) -> ProblemLogDetail:
    """One problem with its photos and audit trail."""
    return await in_session(lambda s: problem_queries.get_problem(s, actor=actor, log_id=log_id))


@router.post('', response_model=ProblemLogDetail, status_code=201)
async def create_problem_log(body: ProblemLogCreate, actor: CurrentActor, response: Response,
                             idempotency_key: Annotated[str | None, Header(max_length=64)] = None) -> ProblemLogDetail:
    """Report a problem; only machine_id and problem_description are required. A replayed key returns 200."""
    if idempotency_key and not body.client_key:
        body = body.model_copy(update={'client_key': idempotency_key})

    def work(session: object) -> tuple[bool, ProblemLogDetail]:
        outcome = problem_logs.report_problem(session, actor=actor, problem_in=body)  # type: ignore[arg-type]
        return outcome.created, problem_queries.get_problem(session, actor=actor, log_id=outcome.log.id)  # type: ignore[arg-type]
    created, detail = await in_session(work)
    if not created:
        response.status_code = 200
    return detail


@router.put('/{log_id}', response_model=ProblemLogDetail)
async def update_problem_log(log_id: int, body: ProblemLogUpdate, actor: CurrentActor) -> ProblemLogDetail:
    """Edit a problem or change its status (acknowledge, complete, reopen, cancel); stale `version` is 409."""
    def work(session: object) -> ProblemLogDetail:
        problem_logs.update_problem(session, actor=actor, log_id=log_id, changes=body)  # type: ignore[arg-type]
        return problem_queries.get_problem(session, actor=actor, log_id=log_id)  # type: ignore[arg-type]
    return await in_session(work)


@router.delete('/{log_id}', status_code=204)
async def delete_problem_log(log_id: int, actor: CurrentActor) -> Response:
    """Admin: delete a problem (soft: it leaves every list and KPI; the audit trail stays)."""
    await in_session(lambda s: problem_logs.delete_problem(s, actor=actor, log_id=log_id))
    return Response(status_code=204)
