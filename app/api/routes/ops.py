"""/healthz (database reachable, answers within a second) and /metrics (Prometheus); not in the API schema."""
import asyncio
import hmac

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from app import ops
from app.config import get_settings
from app.errors import NotAuthenticated

router = APIRouter(include_in_schema=False)
HEALTH_TIMEOUT_SECONDS = 0.8  # the answer, good or bad, leaves within a second


@router.get('/healthz')
async def healthz() -> JSONResponse:
    """200 when the database answers `SELECT 1` in time, else 503 (for load balancers and systemd watchdogs)."""
    try:
        ok = await asyncio.wait_for(run_in_threadpool(_check), HEALTH_TIMEOUT_SECONDS)
    except TimeoutError:
        ok = False
    body = {'status': 'ok' if ok else 'unavailable', 'database': 'ok' if ok else 'unreachable'}
    return JSONResponse(body, status_code=200 if ok else 503, headers={'Cache-Control': 'no-store'})


def _check() -> bool:
    try:
        return ops.check_database()
    except Exception:  # noqa: BLE001 - any driver error means "not healthy"; the reason goes to the log
        ops.logger.warning('health check: database unreachable', exc_info=True)
        return False


@router.get('/metrics')
async def metrics(request: Request) -> Response:
    """Prometheus text format; with CTP_METRICS_TOKEN set, only for `Authorization: Bearer <token>`."""
    token = get_settings().metrics_token
    if token is not None:
        given = request.headers.get('authorization', '').removeprefix('Bearer ').strip()
        if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
            raise NotAuthenticated('metrics need the bearer token (CTP_METRICS_TOKEN)')
    return Response(await run_in_threadpool(ops.metrics_text), media_type=CONTENT_TYPE_LATEST,
                    headers={'Cache-Control': 'no-store'})
