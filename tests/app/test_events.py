"""Domain events: the events of one commit reach the server's event loop together."""
import asyncio
from typing import Any

from sqlmodel import Session

from app import events
from app.db import session_scope
from app.models import CTPMachine, Role, User
from tests.factories import make_machine, make_user, report


class CountingLoop:
    """The server's loop as the services see it, counting the callbacks handed to it from other threads."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop, self.callbacks = loop, 0

    def is_closed(self) -> bool:
        return self.loop.is_closed()

    def call_soon_threadsafe(self, *args: Any) -> Any:
        self.callbacks += 1
        return self.loop.call_soon_threadsafe(*args)


async def test_a_report_saved_in_a_worker_thread_reaches_the_loop_in_one_callback(session: Session) -> None:
    """As the API saves: the problem, its machine and the recipients' notifications arrive together, so a screen
    that listens to several of them (the overview) updates once per change, not once per event that came first."""
    loop = CountingLoop(asyncio.get_running_loop())
    events.bind_loop(loop)  # type: ignore[arg-type]
    machine_id = make_machine(session, 'Kodak Magnus Q800').id
    tech_id = make_user(session, 'tech1', Role.CTP_USER, [machine_id]).id  # type: ignore[list-item]
    make_user(session, 'boss', Role.MANAGER)  # is notified of new problems
    received: list[str] = []
    events.problem_log_changed.subscribe(lambda _: received.append('problem'))
    events.machine_changed.subscribe(lambda _: received.append('machine'))
    events.notifications_changed.subscribe(lambda _: received.append('notification'))

    def save() -> None:
        with session_scope() as worker_session:
            report(worker_session, worker_session.get(User, tech_id),  # type: ignore[arg-type]
                   worker_session.get(CTPMachine, machine_id))  # type: ignore[arg-type]
    await asyncio.to_thread(save)
    for _ in range(50):
        if len(received) >= 3:
            break
        await asyncio.sleep(0.02)
    assert received[:2] == ['problem', 'machine'] and 'notification' in received
    assert loop.callbacks == 1
