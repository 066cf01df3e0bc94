"""The REST adapter (the only FastAPI importer): routers on the design's fixed paths and the error contract."""
from fastapi import FastAPI

from app.api import errors
from app.api.limits import PhotoBodyLimit
from app.api.routes import auth, machines, notifications, photos, problem_logs


def install(app: FastAPI) -> None:
    """Include every router and register the error handlers."""
    errors.install(app)
    app.add_middleware(PhotoBodyLimit)
    for module in (auth, machines, problem_logs, notifications, photos):
        app.include_router(module.router)
