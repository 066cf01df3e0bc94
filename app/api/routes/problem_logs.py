"""/api/ctp-problem-logs: list with filters, read with audit trail, report (JSON or multipart), edit/transition,
delete."""
from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from sqlmodel import Session
from starlette.exceptions import HTTPException

from app import i18n
from app.api.deps import CurrentActor, CurrentCaller
from app.api.errors import caller_language
from app.api.routes import (
    PathId,
    SearchText,
    in_read_session,
    in_session,
    json_body,
    json_response,
    media_type,
    read_as,
    read_json_model,
    report_form,
    write_as,
)
from app.models import ProblemStatus, TechnicianType
from app.models.schemas import (
    MAX_ID,
    CommentCreate,
    CommentPublic,
    ProblemLogCreate,
    ProblemLogDetail,
    ProblemLogPage,
    ProblemLogUpdate,
)
from app.services import comments, photos, problem_logs, problem_queries
from app.services.access import Actor
from app.services.problem_queries import ProblemFilter

router = APIRouter(prefix='/api/ctp-problem-logs', tags=['problem logs'])
IDEMPOTENCY_KEY = r'^[A-Za-z0-9_.:-]+$'
CATEGORY_HELP = 'a subsystem (with its symptoms) or a symptom'
DATE_HELP = 'plant-local problem date, inclusive'
ProblemSort = StrEnum('ProblemSort', {  # type: ignore[misc]
    f'{prefix}{name}': f'{prefix}{name}' for name in sorted(problem_queries.SORTS) for prefix in ('', '-')})
DEFAULT_SORT = ProblemSort('-start_time')


@router.get('', response_model=ProblemLogPage)
async def read_problem_logs(
        caller: CurrentCaller,
        machine_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        status: Annotated[list[ProblemStatus] | None, Query(description='repeat for several')] = None,
        category: Annotated[int | None, Query(ge=1, le=MAX_ID, description=CATEGORY_HELP)] = None,
        technician_type: TechnicianType | None = None,
        date_from: Annotated[date | None, Query(alias='from', description=DATE_HELP)] = None,
        date_to: Annotated[date | None, Query(alias='to', description=DATE_HELP)] = None,
        q: SearchText = None,
        sort: Annotated[ProblemSort, Query(description='field, "-" prefix for descending')] = DEFAULT_SORT,
        limit: Annotated[int, Query(ge=1, le=problem_queries.MAX_LIMIT)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
        cursor: Annotated[str | None, Query(max_length=200, description='next_cursor of the previous page')] = None,
) -> ProblemLogPage:
    """Problems the caller may see, filtered, sorted and paginated: {"items": [...], "total": N, "next_cursor"}.

    Page with `offset`, or (fast at any depth) pass the previous page's `next_cursor` as `cursor`."""
    filters = ProblemFilter(machine_id=machine_id, status=tuple(status or ()), category_id=category,
                            technician_type=technician_type, date_from=date_from, date_to=date_to, q=q,
                            sort=str(sort.value if isinstance(sort, StrEnum) else sort), limit=limit,
                            offset=offset, cursor=cursor)
    page = await read_as(caller, lambda s, actor: problem_queries.list_problems(s, actor=actor, filters=filters))
    return json_response(page)  # type: ignore[return-value]  # already validated: serialize once


@router.get('/{log_id}', response_model=ProblemLogDetail)
async def read_problem_log(log_id: PathId, caller: CurrentCaller) -> Response:
    """One problem with its photos and audit trail."""
    detail = await read_as(caller, lambda s, actor: problem_queries.get_problem(s, actor=actor, log_id=log_id))
    return in_callers_words(caller.request, detail)


@router.post('', response_model=ProblemLogDetail, status_code=201, openapi_extra=report_form.OPENAPI,
             responses={200: {'model': ProblemLogDetail, 'description': 'replayed Idempotency-Key: the first result'},
                        **report_form.PHOTO_QUOTA_RESPONSES})
async def create_problem_log(
        request: Request, caller: CurrentCaller,
        idempotency_key: Annotated[str | None, Header(min_length=8, max_length=64, pattern=IDEMPOTENCY_KEY)] = None,
) -> Response:
    """Report a problem: JSON, or multipart/form-data with the same fields and `photo` parts.

    Only machine_id and problem_description are required. Retrying with the same `Idempotency-Key` returns the
    first result (200) instead of a duplicate; the same key with a different body is 409."""
    kind = media_type(request)
    actor: Actor | None = None  # a JSON report reads the caller's rights in its own transaction
    if kind == 'multipart/form-data':  # the caller first: a form is read (its photos too) only for a signed-in person
        actor = await read_as(caller, lambda session, who: who)
        problem_in, uploads = await report_form.read(request)
    elif kind == 'application/json' or kind.endswith('+json'):
        problem_in, uploads = await read_json_model(request, ProblemLogCreate), []
    else:
        raise HTTPException(415, 'send application/json or multipart/form-data')
    if idempotency_key and not problem_in.client_key:
        problem_in = problem_in.model_copy(update={'client_key': idempotency_key})
    if uploads and actor is not None:   # a used-up quota is answered before any photo is processed
        await in_read_session(lambda s: photos.check_can_report(s, actor=actor, count=len(uploads)))
    prepared = await report_form.prepare_photos(uploads)

    def work(session: Session, who: Actor) -> tuple[bool, ProblemLogDetail]:
        outcome = report_form.report(session, actor=who, problem_in=problem_in, prepared=prepared)
        return outcome.created, problem_queries.get_problem(session, actor=who, log_id=outcome.log.id)  # type: ignore[arg-type]
    created, detail = await (write_as(caller, work) if actor is None else in_session(lambda s: work(s, actor)))
    return in_callers_words(request, detail, 201 if created else 200)


@router.put('/{log_id}', response_model=ProblemLogDetail, dependencies=[Depends(json_body)])
async def update_problem_log(log_id: PathId, body: ProblemLogUpdate, caller: CurrentCaller,
                             request: Request) -> Response:
    """Edit a problem or change its status: "in_progress" acknowledges, "completed" completes (needs solution and
    resolved_by; end_time defaults to now), "in_progress" from completed reopens and "cancelled" cancels (both
    need `reason`). A stale `version` is 409; without `version` the change applies to the current state."""
    def work(session: Session, actor: Actor) -> ProblemLogDetail:
        problem_logs.update_problem(session, actor=actor, log_id=log_id, changes=body)
        return problem_queries.get_problem(session, actor=actor, log_id=log_id)
    return in_callers_words(request, await write_as(caller, work))


@router.delete('/{log_id}', status_code=204, response_class=Response)
async def delete_problem_log(log_id: PathId, actor: CurrentActor) -> Response:
    """Admin: delete a problem (soft: it leaves every list and KPI; the audit trail stays)."""
    await in_session(lambda s: problem_logs.delete_problem(s, actor=actor, log_id=log_id))
    return Response(status_code=204)


@router.post('/{log_id}/undo', response_model=ProblemLogDetail)
async def undo_problem_log(log_id: PathId, actor: CurrentActor, request: Request) -> Response:
    """The reporter takes a report back in its first 2 minutes: cancelled as reported by mistake, out of every KPI;
    the audit trail stays. Later, or for anyone else, 409/403: cancel with a reason instead."""
    def work(session: Session) -> ProblemLogDetail:
        problem_logs.undo_report(session, actor=actor, log_id=log_id)
        return problem_queries.get_problem(session, actor=actor, log_id=log_id)
    return in_callers_words(request, await in_session(work))


def in_callers_words(request: Request, detail: ProblemLogDetail, status_code: int = 200) -> Response:
    """The answer: the reasons why not (marked English texts from access.py) in the caller's language, as the API's
    error messages are (the abilities' names stay as they are), serialised once (the service built and validated
    the model; FastAPI's response_model would validate it again)."""
    with i18n.language(caller_language(request)):
        detail.abilities = {name: i18n._(reason) if reason else None for name, reason in detail.abilities.items()}
    return json_response(detail, status_code)


@router.get('/{log_id}/comments', response_model=list[CommentPublic])
async def read_comments(log_id: PathId, caller: CurrentCaller) -> list[CommentPublic]:
    """The problem's comments, oldest first."""
    return await read_as(caller, lambda s, actor: comments.list_comments(s, actor=actor, log_id=log_id))


@router.post('/{log_id}/comments', response_model=CommentPublic, status_code=201,
             dependencies=[Depends(json_body)])
async def create_comment(log_id: PathId, body: CommentCreate, actor: CurrentActor) -> CommentPublic:
    """Comment on a problem: anyone who may work it (admins, CTP users assigned to its machine)."""
    return await in_session(lambda s: comments.add_comment(s, actor=actor, log_id=log_id, comment_in=body))
