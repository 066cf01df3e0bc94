"""CTP Log: composition root. Settings -> database -> REST API -> sign-in middleware -> pages -> server."""
import logging

from nicegui import app as nicegui_app
from nicegui import run, ui

from app import api, bootstrap, jobs
from app.config import get_settings
from app.services import photos
from components import session

settings = get_settings()
logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
bootstrap.prepare(settings)
api.install(nicegui_app)
session.install(nicegui_app)
nicegui_app.on_startup(jobs.start)
nicegui_app.on_startup(lambda: run.io_bound(photos.sweep_now))  # orphan photo files (SECURITY.md U7)
nicegui_app.on_shutdown(jobs.stop)

import pages  # noqa: E402,F401  (registers every @ui.page)

if __name__ in {'__main__', '__mp_main__'}:
    ui.run(host=settings.host, port=settings.port, title=settings.plant_name, reload=False, show=False,
           storage_secret=settings.resolve_storage_secret(), fastapi_docs=False, favicon='🖨',
           session_middleware_kwargs={'https_only': settings.cookie_secure, 'same_site': 'lax',
                                      'max_age': settings.session_max_age_hours * 3600})
