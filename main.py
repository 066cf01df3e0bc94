"""CTP Log: composition root. Settings -> database -> REST API -> sign-in middleware -> pages -> server."""

from nicegui import Client, ui
from nicegui import app as nicegui_app
from nicegui.storage import Storage

from app import api, bootstrap, demo_simulator, jobs, memory, ops
from app.config import get_settings
from components import design, error_page, plain_middleware, session

settings = get_settings()
ops.configure_logging(as_json=settings.log_json)
memory.limit_malloc_arenas(settings.malloc_arenas)  # before threads start: a few arenas for all (app/memory.py)
ops.keep_files_private(settings.data_dir)
Storage.path = settings.resolved_session_dir  # NiceGUI's per-user storage: with the data, private
ops.count_clients_with(lambda: sum(1 for c in Client.instances.values() if c.has_socket_connection))
bootstrap.prepare(settings)
api.install(nicegui_app)
session.install(nicegui_app)
error_page.install(nicegui_app)
design.install(nicegui_app)  # before any page: colours, the loading bar
api.install_host_check(nicegui_app)  # last, so outermost: a foreign Host name is refused before any other work
plain_middleware.install()  # NiceGUI's two header middlewares as plain ASGI, added by ui.run
nicegui_app.on_startup(jobs.start)
if settings.gc_tuning:
    nicegui_app.on_startup(ops.tune_garbage_collector)  # last: after the start-up work
nicegui_app.on_shutdown(jobs.stop)
nicegui_app.on_startup(demo_simulator.start)  # CTP_DEMO_SIMULATOR=1: simulated platesetters (issue 21)
nicegui_app.on_shutdown(demo_simulator.stop)

import pages  # noqa: E402  (declares every screen)

pages.install()

if __name__ in {'__main__', '__mp_main__'}:
    ui.run(host=settings.host, port=settings.port, title=settings.plant_name, reload=False, show=False,
           storage_secret=settings.resolve_storage_secret(), fastapi_docs=False, favicon='🖨', language='en-US',
           session_middleware_kwargs=session.cookie_options(settings),
           ws_per_message_deflate=settings.ws_compression,
           tailwind=False)  # the app's Tailwind CSS is built ahead of time (components/page.py)
