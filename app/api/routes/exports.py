"""Exports of problem logs and statistics in the caller's scope: CSV and Excel."""
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app import i18n
from app.api.deps import CurrentActor
from app.api.routes import SearchText, in_read_session
from app.config import get_settings
from app.errors import InvalidInput
from app.i18n import N_
from app.models import ProblemStatus, TechnicianType, utcnow
from app.models.schemas import MAX_ID
from app.services import calendar, exports, stats
from app.services.maintenance import figures as maintenance_figures
from app.services.problem_queries import ProblemFilter

router = APIRouter(prefix='/api/exports', tags=['exports'])
MEDIA = {'csv': 'text/csv; charset=utf-8',
         'xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'}


def _window(first: date | None, last: date | None) -> tuple[date, date]:
    today = utcnow().astimezone(get_settings().zone).date()
    last = last or today
    first = first or date.fromordinal(last.toordinal() - 29)
    if first > last:
        raise InvalidInput(N_('"from" must not be after "to"'), field='from')
    if (last - first).days > 3660:
        raise InvalidInput(N_('a range covers at most ten years'), field='from')
    return first, last


def _language(request: Request, actor_language: str | None, lang: str | None) -> str:
    """The export's language: `?lang=` (the screen's own, on its download links), else the caller's choice, else
    Accept-Language, else the plant default."""
    return i18n.resolve(lang, actor_language, i18n.negotiate(request.headers.get('accept-language')))


def _download(content: bytes, name: str, fmt: str) -> Response:
    return Response(content, media_type=MEDIA[fmt], headers={
        'Content-Disposition': f'attachment; filename="{name}.{fmt}"', 'Cache-Control': 'private, no-store'})


@router.get('/problem-logs.{fmt}', response_class=Response)
async def export_problem_logs(
        fmt: Literal['csv', 'xlsx'], actor: CurrentActor, request: Request,
        machine_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        status: Annotated[list[ProblemStatus] | None, Query()] = None,
        category: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        technician_type: TechnicianType | None = None,
        date_from: Annotated[date | None, Query(alias='from')] = None,
        date_to: Annotated[date | None, Query(alias='to')] = None,
        q: SearchText = None, lang: Annotated[str | None, Query(max_length=8)] = None) -> Response:
    """Problem logs matching the filters (the list endpoint's), as CSV or Excel, headers and words in `lang` (else
    the caller's language); German CSV separates with ';' and writes a decimal comma."""
    language = _language(request, actor.language, lang)
    first, last = _window(date_from, date_to)
    filters = ProblemFilter(machine_id=machine_id, status=tuple(status or ()), category_id=category,
                            technician_type=technician_type, date_from=first, date_to=last, q=q)
    def work(session: object) -> tuple[bytes, str]:
        with i18n.language(language):
            content = exports.problems_export(session, actor=actor, filters=filters, fmt=fmt)  # type: ignore[arg-type]
        name = exports.file_name(session, actor=actor, kind='problems', first=first, last=last,  # type: ignore[arg-type]
                                 machine_id=machine_id)
        return content, name
    content, name = await in_read_session(work)
    return _download(content, name, fmt)


@router.get('/stats.{fmt}', response_class=Response)
async def export_stats(fmt: Literal['csv', 'xlsx'], actor: CurrentActor, request: Request,
                       date_from: Annotated[date | None, Query(alias='from')] = None,
                       date_to: Annotated[date | None, Query(alias='to')] = None,
                       lang: Annotated[str | None, Query(max_length=8)] = None) -> Response:
    """Per-machine KPIs and plant totals for a range of plant-local dates, as CSV or Excel, in `lang` (else the
    caller's language)."""
    first, last = _window(date_from, date_to)
    language = _language(request, actor.language, lang)

    def work(session: object) -> bytes:
        start, end = calendar.local_range_bounds(first, last)
        with i18n.language(language):  # causes named in it too
            per = stats.machine_stats(session, actor=actor, start=start, end=end)  # type: ignore[arg-type]
            pm = maintenance_figures.per_machine(session, list(per), start, end, utcnow())  # type: ignore[arg-type]
            totals = stats.plant_totals(per)
            rows = list(exports.stats_rows(session, per, totals, (first, last), pm))  # type: ignore[arg-type]
            headers = exports.stats_headers()
            return exports.to_csv(headers, iter(rows)) if fmt == 'csv' \
                else exports.to_xlsx(i18n._('Statistics'), headers, iter(rows))
    return _download(await in_read_session(work), f'ctp-statistics-all-machines-{first}-{last}', fmt)
