"""The REST adapter (the only FastAPI importer): routers on the design's fixed paths and the error contract."""
from fastapi import FastAPI

from app.api import errors
from app.api.routes import auth, displays, exports, machines, notifications, problem_logs


def install(app: FastAPI) -> None:
    """Include every router and register the error handlers."""
    errors.install(app)
    for module in (auth, machines, problem_logs, notifications, exports, displays):
        app.include_router(module.router)
