"""The REST adapter (the only FastAPI importer): routers on the design's fixed paths and the error contract."""
from fastapi import FastAPI

from app.api import csrf, device_lane, errors, ids, openapi
from app.api.hosts import TrustedHosts
from app.api.limits import BodyLimit
from app.api.request_id import RequestIdMiddleware
from app.api.routes import (
    admin_calendar,
    admin_categories,
    alerts,
    auth,
    device_links,
    displays,
    exports,
    jmf,
    machine_reports,
    machines,
    maintenance,
    notifications,
    ops,
    photos,
    problem_logs,
    users,
)
from app.config import get_settings

ROUTERS = (auth, machines, problem_logs, notifications, users, admin_categories, admin_calendar, ops, exports,
           displays, photos, device_links, jmf,
           machine_reports, maintenance, alerts)


def install(app: FastAPI) -> None:
    """Include every router, register the error handlers, the CSRF check of cookie-authenticated writes, the
    photo body limit and request ids (when enabled also the OpenAPI docs), and the devices' own lane to the JMF
    receiver."""
    ids.register()  # before any route (pages included) declares `{name:id}`
    errors.install(app)
    app.add_middleware(csrf.CSRFMiddleware)
    app.add_middleware(BodyLimit)
    app.add_middleware(RequestIdMiddleware)  # outside the error middleware: one id for logs, headers, bodies
    lifespan = app.router.lifespan_context
    for module in ROUTERS:
        app.include_router(module.router)
    # Our routers have no lifespan; FastAPI would still nest the app's lifespan once per router and install
    # (main.py runs once per test), until the stack overflows.
    app.router.lifespan_context = lifespan
    if get_settings().api_docs:
        openapi.install(app)
    device_lane.install(app)


def install_host_check(app: FastAPI) -> None:
    """The trusted-host check, outside every middleware installed so far (sessions included): call it last."""
    app.add_middleware(TrustedHosts)
