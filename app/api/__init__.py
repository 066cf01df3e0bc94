"""The REST adapter (the only FastAPI importer): routers on the design's fixed paths and the error contract."""
from fastapi import FastAPI

from app.api import errors
from app.api.request_id import RequestIdMiddleware
from app.api.routes import auth, machines, notifications, ops, problem_logs


def install(app: FastAPI) -> None:
    """Include every router and register the error handlers."""
    errors.install(app)
    app.add_middleware(RequestIdMiddleware)  # added first = innermost of ours; sees the matched route
    for module in (auth, machines, problem_logs, notifications, ops):
        app.include_router(module.router)
