"""The framework's floor for the fan-out benchmark: one label per page, set from an event (run by bench/fanout.py).

`python bench/floor_app.py` serves on CTP_PORT: GET / is a page with one label that subscribes to an event;
POST /fire?text=... emits the event and answers 201. No database, no sign-in: the floor is the framework itself.
"""
import os

from fastapi import Response
from nicegui import Event, app, ui

changed = Event[str]()


@ui.page('/')
def floor_page() -> None:
    label = ui.label('waiting')
    changed.subscribe(lambda text: label.set_text(text))


@app.get('/login')
def ready() -> dict[str, bool]:
    return {'ok': True}


@app.post('/fire', status_code=201)
async def fire(text: str) -> Response:
    changed.emit(text)
    return Response(status_code=201)


if __name__ in {'__main__', '__mp_main__'}:
    ui.run(host='127.0.0.1', port=int(os.environ.get('CTP_PORT', '8390')), reload=False, show=False,
           storage_secret=os.environ.get('CTP_STORAGE_SECRET', 'floor-' + 'x' * 40))
