"""/maintenance: what is due on my machines (overdue first), and /maintenance/{id}: doing one task on the tablet:
start, tick steps, type readings (checked against their limits), note, done, or skip with a reason."""
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from nicegui import ui

from app import events
from app.db import read_session
from app.errors import DomainError
from app.i18n import _
from app.models.maintenance_schemas import OrderPublic, ReadingIn, ReadingPublic, StepPublic, TaskPublic
from app.services import photos
from app.services.access import Actor, SignedIn, acting_as
from app.services.maintenance import feed, orders, plans, work
from app.services.photo_uploads import PreparedPhoto
from components.design import BIG_BUTTON, TOUCH, TOUCH_LINK, error_text
from components.layout import frame
from components.maintenance_view import order_row, state_chip, step_hint
from components.notice import refusal_for
from components.page import page
from components.photo_slot import photo_uploader
from components.session import require_page_actor, signed_in
from components.worker import io


@page('/maintenance')
async def maintenance_page() -> None:
    actor = await require_page_actor()

    @ui.refreshable
    async def due() -> None:
        rows = await io(_due, actor)
        if not rows:
            ui.label(_('Nothing due on your machines.')).classes('text-gray-500').mark('nothing-due')
        with ui.column().classes('w-full gap-2').mark('due-list'):
            for row in rows:
                order_row(row)

    with frame(_('Maintenance'), actor):
        ui.label(_('Maintenance due')).classes('text-2xl font-bold')
        await due()
        _calendar_feed()
    events.machine_changed.subscribe(lambda _machine_id: due.refresh())


def _due(actor: Actor) -> list[OrderPublic]:
    with read_session() as session:
        return orders.due_list(session, actor=actor)


def _calendar_feed() -> None:
    """A secret calendar address for the user's phone or mail calendar; a new one ends the old one."""
    async def new() -> None:
        url = await io(_new_feed, signed_in())
        address.text = _('Your calendar address (keep it secret): {url}').format(url=url)

    async def stop() -> None:
        await io(_stop_feed, signed_in())
        address.text = _('Your calendar feed is stopped.')

    with ui.expansion(_('Calendar feed'), icon='event').classes('w-full text-base'):
        address = ui.label('').classes('break-all').mark('feed-address')
        with ui.row().classes('gap-2'):
            ui.button(_('New calendar address'), on_click=new).props('outline').classes(TOUCH).mark('feed-new')
            ui.button(_('Stop my calendar feed'), on_click=stop).props('outline').classes(TOUCH).mark('feed-stop')


def _new_feed(who: SignedIn | None) -> str:
    with acting_as(who) as (session, actor):
        return feed.new_feed(session, actor=actor)


def _stop_feed(who: SignedIn | None) -> None:
    with acting_as(who) as (session, actor):
        feed.revoke_feeds(session, actor=actor)


@page('/maintenance/{order_id:id}', reconnect_timeout=120)
async def maintenance_order_page(order_id: int) -> None:
    actor = await require_page_actor()

    async def act(call: Callable[[SignedIn | None], object], success: str | None = None) -> None:
        try:
            await io(call, signed_in())
        except (DomainError, ValueError) as error:
            ui.notify(error_text(error), type='negative')
            return
        if success:
            ui.notify(success, type='positive')
        view.refresh()

    @ui.refreshable
    async def view() -> None:
        try:
            order, task = await io(_view, actor, order_id)
        except DomainError as error:
            refusal_for(error)
            return
        _header(order, task)
        if order.may_work and order.status == 'planned':
            label = _('Start (stops the machine)') if task.needs_stop else _('Start task')
            ui.button(label, icon='play_arrow', on_click=lambda: act(
                lambda who: _call(who, work.start_order, order_id=order_id), _('Task started'))) \
                .props('color=primary').classes(f'w-full {BIG_BUTTON}').mark('start')
        readings = {r.step_id: r for r in order.readings}
        with ui.column().classes('w-full gap-3').mark('steps'):
            for step in task.steps:
                _step(order, step, readings.get(step.id))
        if order.may_work and order.log_id is not None:
            _photos(order.log_id)
        if order.may_work:
            _finish(order, act)

    with frame(_('Maintenance'), actor):
        await view()


def _view(actor: Actor, order_id: int) -> tuple[OrderPublic, TaskPublic]:
    with read_session() as session:
        return plans.order_view(session, actor=actor, order_id=order_id)


def _call(who: SignedIn | None, func: Callable[..., object], **kwargs: object) -> object:
    with acting_as(who) as (session, actor):
        return func(session, actor=actor, **kwargs)


def _header(order: OrderPublic, task: TaskPublic) -> None:
    with ui.row().classes('w-full items-center gap-3'):
        ui.label(task.title).classes('text-2xl font-bold')
        state_chip(order.state)
    ui.link(order.machine_name, f'/machines/{order.machine_id}').classes(f'text-lg {TOUCH_LINK}')
    if task.template:
        ui.label(_('Starting plan: check it against the vendor\'s manual.')).classes('text-amber-900 text-sm')
    if task.instructions:
        ui.label(task.instructions).classes('whitespace-pre-line')
    if order.log_id is not None:
        ui.link(_('Planned stop of this task'), f'/problem-logs/{order.log_id}').classes(TOUCH_LINK) \
            .mark('planned-stop')


def _step(order: OrderPublic, step: StepPublic, reading: ReadingPublic | None) -> None:
    """A tick, or a number with its unit and limits; a value outside them offers a pre-filled problem."""
    disabled = not order.may_work
    if step.unit is None:
        box = ui.checkbox(step.label, value=bool(reading and reading.checked)).classes(TOUCH).mark(f'step-{step.id}')
        box.on_value_change(lambda e: _save(order, step, ReadingIn(step_id=step.id, checked=bool(e.value)), None))
        box.set_enabled(not disabled)
        return
    with ui.column().classes('w-full gap-1'):
        field = ui.number(f'{step.label} ({step.unit})', value=reading.value if reading else None,
                          format='%g').props('outlined inputmode=decimal').classes('w-full max-w-md') \
            .mark(f'step-{step.id}')
        field.props(f'hint="{step_hint(step)}"')
        warning = ui.column().classes('w-full gap-1')
        field.on('blur', lambda: _save(order, step, ReadingIn(step_id=step.id, value=field.value), warning))
        field.set_enabled(not disabled)
        if reading is not None and reading.out_of_limits:
            with warning:
                _out_of_limits(order, reading.problem_text)


async def _save(order: OrderPublic, step: StepPublic, reading_in: ReadingIn, warning: ui.column | None) -> None:
    if reading_in.value is None and step.unit is not None:
        return
    try:
        saved = await io(_record, signed_in(), order.id, reading_in)
    except DomainError as error:
        ui.notify(error_text(error), type='negative')
        return
    if warning is not None:
        warning.clear()
        if saved.out_of_limits:
            with warning:
                _out_of_limits(order, saved.problem_text)


def _record(who: SignedIn | None, order_id: int, reading_in: ReadingIn) -> ReadingPublic:
    with acting_as(who) as (session, actor):
        return work.record_reading(session, actor=actor, order_id=order_id, reading_in=reading_in)


def _out_of_limits(order: OrderPublic, text: str | None) -> None:
    ui.label(_('Outside its limits: {reading}').format(reading=text or '')).classes('text-red-800 font-bold') \
        .mark('out-of-limits')
    query = urlencode({'description': text or ''})
    ui.button(_('Open a problem'), icon='report', on_click=lambda: ui.navigate.to(
        f'/machines/{order.machine_id}/report?{query}')).props('color=red-8').classes(BIG_BUTTON).mark('open-problem')


def _photos(log_id: int) -> None:
    """Photos of the work go to the task's planned stop (the problem services keep, shrink and guard them)."""
    async def may_add(count: int) -> None:
        await io(_may_attach, signed_in(), log_id, count)

    async def save() -> None:
        prepared = take()
        if not prepared:
            return
        try:
            await io(_attach, signed_in(), log_id, prepared)
        except DomainError as error:
            ui.notify(error_text(error), type='negative')
            return
        ui.notify(_('Photos added'), type='positive')

    with ui.expansion(_('Add photos'), icon='photo_camera').classes('w-full text-base').mark('add-photos'):
        take = photo_uploader(may_add=may_add)
        ui.button(_('Save photos'), icon='save', on_click=save).classes(TOUCH).mark('save-photos')


def _may_attach(who: SignedIn | None, log_id: int, count: int) -> None:
    with acting_as(who, write=False) as (session, actor):
        photos.check_can_attach(session, actor=actor, log_id=log_id, count=count)


def _attach(who: SignedIn | None, log_id: int, prepared: list[PreparedPhoto]) -> None:
    with acting_as(who) as (session, actor):
        photos.attach_photos(session, actor=actor, log_id=log_id, prepared=prepared)


def _finish(order: OrderPublic, act: Callable[..., Awaitable[None]]) -> None:
    """Note, done; or skip with a reason."""
    note = ui.textarea(_('Note')).props('outlined autogrow maxlength=4000').classes('w-full').mark('note')
    ui.button(_('Done'), icon='check', on_click=lambda: act(
        lambda who: _call(who, work.complete_order, order_id=order.id, note=note.value or ''), _('Done'))) \
        .props('color=positive').classes(f'w-full {BIG_BUTTON}').mark('done')
    with ui.expansion(_('Skip this time'), icon='skip_next').classes('w-full text-base'):
        reason = ui.input(_('Why is it skipped?')).props('outlined maxlength=500').classes('w-full').mark('reason')

        async def skip() -> None:
            if not (reason.value or '').strip():
                ui.notify(_('Say why it is skipped.'), type='warning')
                return
            await act(lambda who: _call(who, work.skip_order, order_id=order.id, reason=reason.value),
                      _('Skipped'))
        ui.button(_('Skip'), icon='skip_next', on_click=skip).props('outline').classes(BIG_BUTTON).mark('skip')
