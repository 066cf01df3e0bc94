"""/healthz (database reachable, answers within a second) and /metrics (Prometheus); not in the API schema."""
import asyncio
import hmac
import ipaddress

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from app import ops
from app.config import get_settings
from app.errors import NotAuthenticated, PermissionDenied
from app.i18n import N_

router = APIRouter(include_in_schema=False)
HEALTH_TIMEOUT_SECONDS = 0.5  # the answer, good or bad, leaves within a second (margin for a loaded host)


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
    """Prometheus text format; with CTP_METRICS_TOKEN set, only for `Authorization: Bearer <token>`, else only for
    the addresses of CTP_METRICS_ALLOW (default: this host, e.g. a local Prometheus or nginx in front)."""
    settings = get_settings()
    token = settings.metrics_token
    if token is not None:
        given = request.headers.get('authorization', '').removeprefix('Bearer ').strip()
        if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
            raise NotAuthenticated(N_('metrics need the bearer token (CTP_METRICS_TOKEN)'))
    elif not _allowed(request.client.host if request.client else None, settings.metrics_allow):
        raise PermissionDenied(N_('metrics are served only to the addresses of CTP_METRICS_ALLOW or with the token'))
    return Response(await run_in_threadpool(ops.metrics_text), media_type=CONTENT_TYPE_LATEST,
                    headers={'Cache-Control': 'no-store'})


def _allowed(host: str | None, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        address = ipaddress.ip_address(host or '')
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)
