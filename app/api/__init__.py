"""The REST adapter (the only FastAPI importer): routers on the design's fixed paths and the error contract."""
from fastapi import FastAPI

from app.api import csrf, errors
from app.api.routes import admin_calendar, admin_categories, auth, machines, notifications, problem_logs, users


def install(app: FastAPI) -> None:
    """Include every router, register the error handlers and the CSRF check of cookie-authenticated writes."""
    errors.install(app)
    app.add_middleware(csrf.CSRFMiddleware)
    for module in (auth, machines, problem_logs, notifications, users, admin_categories, admin_calendar):
        app.include_router(module.router)
