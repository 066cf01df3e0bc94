"""The REST adapter (the only FastAPI importer): routers on the design's fixed paths and the error contract."""
from fastapi import FastAPI

from app.api import errors, openapi
from app.api.request_id import RequestIdMiddleware
from app.api.routes import auth, machines, notifications, ops, problem_logs
from app.config import get_settings


def install(app: FastAPI) -> None:
    """Include every router, register the error handlers and (when enabled) the OpenAPI docs."""
    errors.install(app)
    app.add_middleware(RequestIdMiddleware)  # added first = innermost of ours; sees the matched route
    for module in (auth, machines, problem_logs, notifications, ops):
        app.include_router(module.router)
    if get_settings().api_docs:
        openapi.install(app)
