"""/problems: every problem in the user's scope, with full-text search, filters (machine, status, cause, period,
reported by me) and server-side pages; rows open the problem. Live: a change to a shown machine reloads the page."""
from nicegui import ui

from app import events
from app.db import read_session
from app.i18n import _
from app.services import machines, taxonomy
from app.services.access import Actor
from components.layout import frame
from components.page import page
from components.problem_log_table import ProblemLogTable
from components.session import require_page_actor
from components.worker import io


@page('/problems')
async def problem_list_page(q: str = '') -> None:
    actor = await require_page_actor()
    in_scope, subsystems = await io(_choices, actor)
    with frame(_('Problems'), actor):
        ui.label(_('Problems')).classes('text-2xl font-bold')
        table = ProblemLogTable(actor, None, subsystems, machines=in_scope, search=q[:200])
        await table.reload()

    async def on_machine(changed: int) -> None:
        if changed in in_scope:
            await table.reload()
    events.machine_changed.subscribe(on_machine)


def _choices(actor: Actor) -> tuple[dict[int, str], dict[int, str]]:
    """The machines the user may see and the subsystems, for the filters."""
    with read_session() as session:
        shown = {m.id: m.name for m in machines.list_machines(session, actor=actor)}
        causes = {parent.id: taxonomy.shown_name(parent) for parent, _ in taxonomy.list_tree(session)}
    return shown, causes  # type: ignore[return-value]
