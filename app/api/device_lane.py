"""Device traffic on a lane of its own: the JMF/XJMF receiver's posts skip the middleware made for screens.

Every other request passes NiceGUI's storage session and its three BaseHTTPMiddleware layers (each runs the rest of
the stack in a task of its own), our session cookie, gzip, the CSRF and body checks and the match among every
page's routes: about 6 ms of CPU per request on the reference machine (docs/BENCHMARKS.md), more than storing a
status signal costs. Devices send no cookies, post bodies the receiver caps itself and open no page, so none of that
does anything for them. The lane is a small FastAPI app holding only the receiver's routes, behind the same
trusted-host check, with the same error contract, request ids and request metrics. The main app keeps the routes
too, so the OpenAPI description still lists them.

NiceGUI adds its middleware in `ui.run` and when the server starts, after main.py's own code, so the lane cannot be
one more `add_middleware`: it wraps the app's finished middleware stack, when Starlette builds it (on the first
request or lifespan event).
"""
import re
from collections.abc import Callable

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api import errors
from app.api.hosts import TrustedHosts
from app.api.request_id import RequestIdMiddleware
from app.api.routes import jmf

LANE_PATH = re.compile(r'/api/jmf(?:/[^/]*)?/?')  # the receiver's two routes; not /api/jmf-subscriptions


def lane_app() -> FastAPI:
    """The receiver alone, answering as it does inside the main app."""
    lane = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    errors.install(lane)
    lane.add_middleware(RequestIdMiddleware)
    lane.add_middleware(TrustedHosts)  # outermost, as in the main app
    lane.include_router(jmf.router)
    return lane


class DeviceLane:
    """Pure ASGI: an HTTP request to a receiver path goes to the lane, everything else to the app's own stack."""

    def __init__(self, app: ASGIApp, lane: ASGIApp) -> None:
        self.app = app
        self.lane = lane

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] == 'http' and LANE_PATH.fullmatch(_route_path(scope)):
            await self.lane(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _route_path(scope: Scope) -> str:
    path, root = str(scope.get('path', '')), str(scope.get('root_path', ''))
    return path[len(root):] if root and path.startswith(root) else path


def install(app: FastAPI) -> None:
    """Put the lane outside the app's whole middleware stack, NiceGUI's included. Wraps the class's own builder,
    so installing again (every test runs main.py anew) never nests one lane in another."""
    build: Callable[[FastAPI], ASGIApp] = type(app).build_middleware_stack
    lane = lane_app()
    app.build_middleware_stack = lambda: DeviceLane(build(app), lane)  # type: ignore[method-assign]  # see above
