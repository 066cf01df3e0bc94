"""The tablet's "why?": a red prompt per machine stop that still waits for a reason, with one-tap reasons.

The reasons come from the services (app/services/jmf/prompts.py): the one the machine's details point to is
pre-chosen (filled, with a check), one tap saves it. "Other reason" opens the stop's problem to choose freely.
Who may answer is the services' say (`may_answer`); others see the list read-only.
"""
import weakref
from collections.abc import Awaitable, Callable
from datetime import datetime

from nicegui import background_tasks, core, ui

from app import events
from app.db import read_session
from app.errors import DomainError
from app.i18n import _, duration_text, time_text
from app.services.access import SignedIn, acting_as
from app.services.jmf import stops
from app.services.jmf.prompts import Prompt, reporting_machine_ids, stop_prompts
from components.coalesce import Coalesced, SharedLoad, subscribe_process_wide
from components.design import TOUCH, TOUCH_LINK, error_text
from components.session import signed_in
from components.worker import io

Answer = Callable[[int, int | None], Awaitable[None]]


def prompt_title(prompt: Prompt) -> str:
    """'Magnus stopped at 10:42: why?' (plant time), with the stop's length once it has ended."""
    clock = time_text(prompt.started_at)
    if prompt.ended_at is None:
        return _('{machine} stopped at {time}: why?').format(machine=prompt.machine_name, time=clock)
    minutes = (prompt.ended_at - prompt.started_at).total_seconds() / 60
    return _('{machine} stopped at {time} for {duration}: why?').format(
        machine=prompt.machine_name, time=clock, duration=duration_text(minutes))


class StopPrompts:
    """The prompts of one screen; `show` rebuilds them (few, and they change only when a machine stops)."""

    def __init__(self, answer: Answer, *, list_link: bool) -> None:
        self.answer, self.list_link = answer, list_link
        self.shown: list[tuple[int, datetime | None]] | None = None
        self.box = ui.column().classes('w-full gap-2').mark('stop-prompts')

    def show(self, prompts: list[Prompt]) -> None:
        shown = [(p.stop_id, p.ended_at) for p in prompts]
        if shown == self.shown:
            return
        self.shown = shown
        self.box.clear()
        with self.box:
            for prompt in prompts:
                self._prompt(prompt)
            if self.list_link:
                ui.link(_('All stops waiting for a reason'), '/machine-stops').classes(TOUCH_LINK)
        self.box.set_visibility(bool(prompts))

    def _prompt(self, prompt: Prompt) -> None:
        with ui.card().classes('w-full border-l-8 border-red-8 gap-2').mark(f'stop-prompt-{prompt.stop_id}'):
            ui.label(prompt_title(prompt)).classes('text-lg font-bold').mark('stop-prompt-title')
            ui.label(_('The machine reported: {details}').format(details=prompt.details)) \
                .classes('text-sm text-gray-600 dark:text-gray-300')
            with ui.row().classes('w-full gap-2 items-center'):
                for choice in prompt.choices if prompt.may_answer else []:
                    ui.button(choice.label, icon='check' if choice.suggested else None,
                              on_click=lambda c=choice.category_id: self.answer(prompt.stop_id, c)) \
                        .props('no-caps' if choice.suggested else 'no-caps outline').classes(TOUCH) \
                        .mark('stop-reason-suggested' if choice.suggested else 'stop-reason')
                if prompt.log_id is not None:
                    ui.link(_('Other reason…') if prompt.may_answer else _('Open the problem'),
                            f'/problem-logs/{prompt.log_id}').classes(TOUCH_LINK).mark('stop-other-reason')


async def live_stop_prompts(*, list_link: bool = False) -> StopPrompts:
    """The prompts of the signed-in user, kept current: a machine that changes may have stopped or been explained."""
    async def answer(stop_id: int, category_id: int | None) -> None:
        with prompts.box:
            who = signed_in()
        try:
            await io(_answer, who, stop_id, category_id)
        except DomainError as error:
            with prompts.box:
                ui.notify(error_text(error), type='negative')
            return
        with prompts.box:
            ui.notify(_('Reason saved'), type='positive')
        await load()

    async def load() -> None:
        with prompts.box:  # a live update runs in a background task: the page's context comes from its element
            who = signed_in()
        found = await io(_read, who)
        if not prompts.box.is_deleted:
            prompts.show(found)

    def on_machine(machine_id: int) -> None:
        if machine_id in _tracker.ids:
            update.request()

    prompts = StopPrompts(answer, list_link=list_link)
    await load()
    update = Coalesced(load, 'stop-prompts-update')
    _tracker.follow(update)
    _tracker.ids = await REPORTING.get(0)
    events.machine_changed.subscribe(on_machine)
    return prompts


class _Reporting:
    """The machines that report themselves, for every screen of the process. Only such a machine can open or answer
    a stop, so the prompts are read for its changes only (every screen would otherwise read its prompts on every
    change). A change of another machine costs the process one read of the linked machines (a device linked while
    the tablets are open), not a task per open screen; the screens it concerns then read their prompts."""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.asked: set[int] = set()  # machines changed since the last read that were not linked then
        self.screens: weakref.WeakSet[Coalesced] = weakref.WeakSet()
        self.reading = False

    def follow(self, update: Coalesced) -> None:
        if subscribe_process_wide(events.machine_changed, self.changed):  # again after tests cleared them
            self.screens, self.asked, self.reading = weakref.WeakSet(), set(), False
        self.screens.add(update)

    def changed(self, machine_id: int) -> None:
        if machine_id in self.ids or core.app.is_stopping or core.app.is_stopped:
            return
        self.asked.add(machine_id)
        if not self.reading:
            self.reading = True
            background_tasks.create(self._read(), name='reporting-machines')

    async def _read(self) -> None:
        try:
            while self.asked:
                asked, self.asked = self.asked, set()
                self.ids = await REPORTING.get(0)
                if asked & self.ids:
                    for update in list(self.screens):
                        update.request()
        finally:
            self.reading = False


_tracker = _Reporting()


def _reporting(_: int) -> set[int]:
    with read_session() as session:
        return reporting_machine_ids(session)


REPORTING: SharedLoad[int, set[int]] = SharedLoad(_reporting)


def _read(who: SignedIn | None) -> list[Prompt]:
    with acting_as(who, write=False) as (session, actor):
        return stop_prompts(session, actor=actor)


def _answer(who: SignedIn | None, stop_id: int, category_id: int | None) -> None:
    with acting_as(who) as (session, actor):
        stops.explain_stop(session, actor=actor, stop_id=stop_id, category_id=category_id)
