"""/problem-logs/{id}: one problem with its actions (acknowledge, complete, edit, reopen, cancel, delete), photos
and audit trail, live."""
from datetime import datetime

from nicegui import run, ui

from app import events
from app.config import get_settings
from app.db import session_scope
from app.errors import DomainError
from app.models import Role, utcnow
from app.models.schemas import ProblemLogDetail, ProblemLogUpdate
from app.services import notifications, problem_logs, problem_queries
from app.services.access import Actor
from components.confirm_dialog import ask_reason, confirm
from components.design import RESOLVED_BY_WORDS, TOUCH, duration_text, local_text
from components.layout import frame
from components.session import require_page_actor
from components.status_badge import problem_badge

TIME_FORMAT = '%Y-%m-%d %H:%M'


@ui.page('/problem-logs/{log_id}')
async def problem_detail_page(log_id: int) -> None:
    actor = await require_page_actor()
    if actor is None:
        return
    host = ui.element('div')  # dialogs and messages live here, outside the part a live refresh rebuilds

    async def act(changes: dict[str, object], done: str) -> bool:
        """Run an update through the service; rights and rules are checked there."""
        try:
            body = ProblemLogUpdate(**changes)
            await run.io_bound(_update, actor, log_id, body)
        except (DomainError, ValueError) as error:
            with host:
                ui.notify(_message(error), type='negative')
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
                await run.io_bound(_delete, actor, log_id)
            except DomainError as error:
                ui.notify(str(error), type='negative')
                return
            ui.notify('Problem deleted', type='positive')
            ui.navigate.to('/')

    @ui.refreshable
    async def body() -> None:
        try:
            detail = await run.io_bound(_read, actor, log_id)
        except DomainError as error:
            ui.label(str(error)).classes('text-lg')
            return
        _header(detail)
        _actions(actor, detail, act, delete, host)
        _facts(detail)
        _photos(detail)
        _audit(detail)

    with frame(f'Problem #{log_id}', actor):
        await body()
    events.problem_log_changed.subscribe(lambda changed: body.refresh() if changed == log_id else None)


def _read(actor: Actor, log_id: int) -> ProblemLogDetail:
    with session_scope() as session:
        detail = problem_queries.get_problem(session, actor=actor, log_id=log_id)
        if actor.user_id is not None:
            notifications.mark_all_read(session, actor=actor, log_id=log_id)  # opening the problem reads its news
        return detail


def _update(actor: Actor, log_id: int, body: ProblemLogUpdate) -> None:
    with session_scope() as session:
        problem_logs.update_problem(session, actor=actor, log_id=log_id, changes=body)


def _delete(actor: Actor, log_id: int) -> None:
    with session_scope() as session:
        problem_logs.delete_problem(session, actor=actor, log_id=log_id)


def _message(error: Exception) -> str:
    if isinstance(error, DomainError):
        return str(error)
    errors = getattr(error, 'errors', None)
    if callable(errors):
        return '; '.join(f'{".".join(str(p) for p in e["loc"])}: {e["msg"]}' for e in errors())
    return str(error)


def parse_local(text: str | None) -> datetime | None:
    if not text or not text.strip():
        return None
    try:
        return datetime.strptime(text.strip(), TIME_FORMAT).replace(tzinfo=get_settings().zone)
    except ValueError as error:
        raise ValueError(f'times look like {utcnow().astimezone(get_settings().zone):{TIME_FORMAT}}') from error


def _changed_time(key: str, text: str | None, shown: datetime | None) -> dict[str, object]:
    """Only a time the user changed is sent: the field shows whole minutes, the stored value has seconds."""
    if (text or '') == _local_input(shown):
        return {}
    return {key: parse_local(text)}


def _local_input(moment: datetime | None) -> str:
    return moment.astimezone(get_settings().zone).strftime(TIME_FORMAT) if moment else ''


def _header(detail: ProblemLogDetail) -> None:
    with ui.row().classes('w-full items-center gap-2'):
        ui.link(detail.machine_name, f'/machines/{detail.machine_id}').classes('text-2xl font-bold')
        problem_badge(detail.status).mark('problem-status')
        kind = 'stopping' if detail.is_stopping else 'running with problem'
        ui.label(f'{kind}{" · planned" if detail.is_planned else ""}').classes('text-gray-500')
    ui.label(detail.category or 'Uncategorised').classes('text-lg font-bold')
    ui.label(detail.problem_description).classes('whitespace-pre-wrap break-words')


def _actions(actor: Actor, detail: ProblemLogDetail, act, delete, host: ui.element) -> None:  # type: ignore[no-untyped-def]
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
            ui.button('Complete', icon='check', on_click=lambda: _in(host, _complete_dialog, detail, act)) \
                .props('color=positive').classes(TOUCH).mark('complete')
        ui.button('Edit', icon='edit', on_click=lambda: _in(host, _edit_dialog, detail, act)).props('outline') \
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


def _in(host: ui.element, build, *args: object) -> None:  # type: ignore[no-untyped-def]
    with host:
        build(*args)


def _complete_dialog(detail: ProblemLogDetail, act) -> None:  # type: ignore[no-untyped-def]
    loaded = utcnow()
    with ui.dialog() as dialog, ui.card().classes('w-[560px] max-w-[95vw]').mark('complete-dialog'):
        ui.label('Complete problem').classes('text-lg font-bold')
        solution = ui.textarea('Solution', value=detail.solution or '').props('outlined autogrow') \
            .classes('w-full').mark('solution')
        resolved = ui.select(RESOLVED_BY_WORDS, label='Resolved by', value=detail.resolved_by) \
            .props('outlined').classes('w-full').mark('resolved-by')
        end = ui.input('Ended', value=_local_input(loaded)).props('outlined').classes('w-full').mark('end-time')
        with ui.row().classes('w-full gap-2 no-wrap'):
            called = ui.input('Vendor called', value=_local_input(detail.vendor_called_at)).props('outlined')
            arrived = ui.input('Vendor arrived', value=_local_input(detail.vendor_arrived_at)).props('outlined')
        with ui.row().classes('w-full gap-2 no-wrap'):
            ticket = ui.input('Vendor ticket', value=detail.vendor_ticket or '').props('outlined maxlength=64')
            plates = ui.number('Plates lost', value=detail.plates_lost, min=0, max=9999, precision=0) \
                .props('outlined')
        preview = ui.label().classes('text-base font-bold').mark('downtime-preview')

        def show_downtime() -> None:
            try:
                ended = parse_local(end.value) or loaded
            except ValueError:
                preview.text = 'Downtime: check the end time'
                return
            minutes = detail.downtime_minutes - max(0.0, (loaded - ended).total_seconds() / 60)
            preview.text = f'Downtime: {duration_text(max(0.0, minutes))}' if detail.is_stopping \
                else 'No downtime (the machine kept running)'

        async def save() -> None:
            try:
                changes = {'version': detail.version, 'status': 'completed', 'solution': solution.value,
                           'resolved_by': resolved.value, 'vendor_ticket': (ticket.value or '').strip() or None,
                           'plates_lost': int(plates.value or 0),
                           **_changed_time('end_time', end.value, loaded),
                           **_changed_time('vendor_called_at', called.value, detail.vendor_called_at),
                           **_changed_time('vendor_arrived_at', arrived.value, detail.vendor_arrived_at)}
            except ValueError as error:
                ui.notify(str(error), type='negative')
                return
            if await act(changes, 'Problem completed'):
                dialog.close()

        end.on_value_change(show_downtime)
        show_downtime()
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button('Back', on_click=dialog.close).props('flat').classes(TOUCH)
            ui.button('Save and complete', on_click=save).props('color=positive').classes(TOUCH) \
                .mark('complete-save')
    dialog.on_value_change(lambda e: None if e.value else dialog.delete())  # closed dialogs do not pile up
    dialog.open()


def _edit_dialog(detail: ProblemLogDetail, act) -> None:  # type: ignore[no-untyped-def]
    with ui.dialog() as dialog, ui.card().classes('w-[560px] max-w-[95vw]').mark('edit-dialog'):
        ui.label('Edit problem').classes('text-lg font-bold')
        text = ui.textarea('Description', value=detail.problem_description).props('outlined autogrow') \
            .classes('w-full').mark('edit-description')
        start = ui.input('Started', value=_local_input(detail.start_time)).props('outlined').classes('w-full')
        stopping = ui.switch('Machine stopped', value=detail.is_stopping)
        name = ui.input('Technician name', value=detail.technician_name or '').props('outlined').classes('w-full')

        async def save() -> None:
            try:
                changes = {'version': detail.version, 'problem_description': text.value,
                           'is_stopping': stopping.value, 'technician_name': (name.value or '').strip() or None,
                           **_changed_time('start_time', start.value, detail.start_time)}
            except ValueError as error:
                ui.notify(str(error), type='negative')
                return
            if await act(changes, 'Saved'):
                dialog.close()

        with ui.row().classes('w-full justify-end gap-2'):
            ui.button('Back', on_click=dialog.close).props('flat').classes(TOUCH)
            ui.button('Save', on_click=save).classes(TOUCH).mark('edit-save')
    dialog.on_value_change(lambda e: None if e.value else dialog.delete())  # closed dialogs do not pile up
    dialog.open()


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
    with ui.row().classes('gap-2'):
        for photo in detail.photos:
            with ui.link(target=photo.url, new_tab=True):
                ui.image(photo.thumb_url).classes('w-40 h-32 rounded').props('fit=cover')


def _audit(detail: ProblemLogDetail) -> None:
    ui.label('History').classes('text-lg font-bold')
    with ui.column().classes('w-full gap-0').mark('audit'):
        for entry in reversed(detail.audit):
            change = f'{entry.field}: {entry.old or "—"} → {entry.new or "—"}' if entry.field else ''
            ui.label(f'{local_text(entry.at)} · {entry.actor_name or "system"} · {entry.action} {change}') \
                .classes('text-sm break-words')
