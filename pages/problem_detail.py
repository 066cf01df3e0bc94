"""/problem-logs/{id}: one problem with its actions (acknowledge, complete, edit, reopen, cancel, delete), photos
and audit trail, live."""
from collections.abc import Awaitable, Callable

from nicegui import ui

from app import events
from app.errors import DomainError
from app.models import Role
from app.models.schemas import ProblemLogDetail, ProblemLogUpdate
from app.services import notifications, problem_logs, problem_queries
from app.services.access import Actor, SignedIn, acting_as
from components.confirm_dialog import ask_reason, confirm
from components.design import RESOLVED_BY_WORDS, TOUCH, duration_text, error_text, local_text
from components.layout import frame
from components.photo_slot import photo_gallery, photo_service, photo_uploader, photos_available
from components.problem_dialogs import Act, complete_dialog, edit_dialog
from components.session import require_page_actor, signed_in
from components.status_badge import problem_badge
from components.worker import io


@ui.page('/problem-logs/{log_id:id}', reconnect_timeout=120)  # the complete dialog is a form
async def problem_detail_page(log_id: int) -> None:
    actor = await require_page_actor()
    if actor is None:
        return
    host = ui.element('div')  # dialogs and messages live here, outside the part a live refresh rebuilds

    async def act(changes: dict[str, object], done: str) -> bool:
        """Run an update through the service; rights and rules are checked there."""
        try:
            body = ProblemLogUpdate(**changes)
            await io(_update, signed_in(), log_id, body)
        except (DomainError, ValueError) as error:
            with host:
                ui.notify(error_text(error), type='negative')
            return False
        with host:
            ui.notify(done, type='positive')
        return True

    async def delete() -> None:
        with host:
            if not await confirm('Delete this problem?', action='Delete', detail='It disappears from every list '
                                 'and statistic; the audit trail stays.'):
                return
            try:
                await io(_delete, signed_in(), log_id)
            except DomainError as error:
                ui.notify(str(error), type='negative')
                return
            ui.notify('Problem deleted', type='positive')
            ui.navigate.to('/')

    @ui.refreshable
    async def body() -> None:
        try:
            now, detail = await io(_read, signed_in(), log_id)
        except DomainError as error:
            ui.label(str(error)).classes('text-lg')
            return
        _header(detail)
        _actions(now, detail, act, delete, host)  # the buttons follow the user's rights as they are now
        _facts(detail)
        _photos(detail)
        _audit(detail)

    async def save_photos() -> None:
        prepared = take_photos() if take_photos else []
        if not prepared:
            return
        try:
            await io(_attach, signed_in(), log_id, prepared)
        except DomainError as error:
            with host:
                ui.notify(str(error), type='negative')

    with frame(f'Problem #{log_id}', actor):
        await body()
        take_photos = None
        if photos_available() and actor.role in (Role.ADMIN, Role.CTP_USER):
            with ui.expansion('Add photos', icon='photo_camera').classes('w-full').mark('add-photos'):
                take_photos = photo_uploader()
                ui.button('Save photos', icon='save', on_click=save_photos).classes(TOUCH).mark('save-photos')
    events.problem_log_changed.subscribe(lambda changed: body.refresh() if changed == log_id else None)


def _read(who: SignedIn | None, log_id: int) -> tuple[Actor, ProblemLogDetail]:
    """The user as they are now and the problem; every change below re-reads the user in its own transaction."""
    with acting_as(who, write=False) as (session, actor):  # the write lock only when there is news to mark read
        detail = problem_queries.get_problem(session, actor=actor, log_id=log_id)
        news = notifications.unread_count(session, actor=actor, log_id=log_id)
    if news:
        with acting_as(who) as (session, now):
            notifications.mark_all_read(session, actor=now, log_id=log_id)  # opening the problem reads its news
    return actor, detail


def _update(who: SignedIn | None, log_id: int, body: ProblemLogUpdate) -> None:
    with acting_as(who) as (session, actor):
        problem_logs.update_problem(session, actor=actor, log_id=log_id, changes=body)


def _attach(who: SignedIn | None, log_id: int, prepared: list[object]) -> None:
    with acting_as(who) as (session, actor):
        photo_service().attach_photos(session, actor=actor, log_id=log_id, prepared=prepared)


def _delete(who: SignedIn | None, log_id: int) -> None:
    with acting_as(who) as (session, actor):
        problem_logs.delete_problem(session, actor=actor, log_id=log_id)


def _header(detail: ProblemLogDetail) -> None:
    with ui.row().classes('w-full items-center gap-2'):
        ui.link(detail.machine_name, f'/machines/{detail.machine_id}').classes('text-2xl font-bold')
        problem_badge(detail.status).mark('problem-status')
        kind = 'stopping' if detail.is_stopping else 'running with problem'
        ui.label(f'{kind}{" · planned" if detail.is_planned else ""}').classes('text-gray-500')
    ui.label(detail.category or 'Uncategorised').classes('text-lg font-bold')
    ui.label(detail.problem_description).classes('whitespace-pre-wrap break-words')


def _actions(actor: Actor, detail: ProblemLogDetail, act: Act, delete: Callable[[], Awaitable[None]],
             host: ui.element) -> None:
    may_edit = actor.role == Role.ADMIN or (actor.role == Role.CTP_USER and detail.created_by == actor.user_id)
    if not may_edit:
        return
    version = {'version': detail.version}
    is_open = detail.status in ('open', 'in_progress')

    async def reason_then(status: str, question: str, action: str, done: str) -> None:
        with host:
            reason = await ask_reason(question, action=action)
        if reason:
            await act({**version, 'status': status, 'reason': reason}, done)

    with ui.row().classes('w-full gap-2'):
        if detail.status == 'open':
            ui.button('Acknowledge', icon='front_hand', on_click=lambda: act(
                {**version, 'status': 'in_progress'}, 'Acknowledged')).classes(TOUCH).mark('acknowledge')
        if is_open:
            ui.button('Complete', icon='check', on_click=lambda: _in(host, complete_dialog, detail, act)) \
                .props('color=positive').classes(TOUCH).mark('complete')
        ui.button('Edit', icon='edit', on_click=lambda: _in(host, edit_dialog, detail, act)).props('outline') \
            .classes(TOUCH).mark('edit')
        if detail.status == 'completed':
            ui.button('Reopen', icon='replay', on_click=lambda: reason_then(
                'in_progress', 'Why reopen?', 'Reopen', 'Reopened')).props('outline').classes(TOUCH).mark('reopen')
        if is_open:
            ui.button('Cancel problem', icon='block', on_click=lambda: reason_then(
                'cancelled', 'Cancel this problem? Its downtime is dropped.', 'Cancel problem', 'Cancelled')) \
                .props('outline color=negative').classes(TOUCH).mark('cancel')
        if actor.role == Role.ADMIN:
            ui.button('Delete', icon='delete', on_click=delete).props('flat color=negative').classes(TOUCH) \
                .mark('delete')


def _in(host: ui.element, build: Callable[[ProblemLogDetail, Act], None], detail: ProblemLogDetail, act: Act) -> None:
    with host:
        build(detail, act)


def _facts(detail: ProblemLogDetail) -> None:
    rows = [('Started', local_text(detail.start_time)), ('Ended', local_text(detail.end_time)),
            ('Downtime', duration_text(detail.downtime_minutes) if detail.is_stopping else 'none (running)'),
            ('Reported by', detail.created_by_name or '—'), ('Acknowledged', local_text(detail.acknowledged_at)),
            ('Technician', f'{detail.technician_type.value} {detail.technician_name or ""}'.strip()),
            ('Resolved by', RESOLVED_BY_WORDS.get(detail.resolved_by or '', '—')),
            ('Solution', detail.solution or '—'), ('Vendor called', local_text(detail.vendor_called_at)),
            ('Vendor arrived', local_text(detail.vendor_arrived_at)), ('Vendor ticket', detail.vendor_ticket or '—'),
            ('Plates lost', str(detail.plates_lost))]
    if detail.cancel_reason:
        rows.append(('Cancel reason', detail.cancel_reason))
    with ui.element('div').classes('w-full grid grid-cols-1 sm:grid-cols-2 lg:grid-cols-3 gap-x-6 gap-y-1'):
        for key, value in rows:
            with ui.row().classes('gap-2 no-wrap'):
                ui.label(key).classes('text-gray-500 w-32 shrink-0')
                ui.label(value).classes('break-words')


def _photos(detail: ProblemLogDetail) -> None:
    if not detail.photos:
        return
    ui.label('Photos').classes('text-lg font-bold')
    photo_gallery(detail.photos)


def _audit(detail: ProblemLogDetail) -> None:
    ui.label('History').classes('text-lg font-bold')
    with ui.column().classes('w-full gap-0').mark('audit'):
        for entry in reversed(detail.audit):
            change = f'{entry.field}: {entry.old or "—"} → {entry.new or "—"}' if entry.field else ''
            ui.label(f'{local_text(entry.at)} · {entry.actor_name or "system"} · {entry.action} {change}') \
                .classes('text-sm break-words')
