"""/problem-logs/{id}: one problem with what this user may do on it (take, hand over, comment, photos, vendor,
complete, reopen; edit, cancel and undo for the reporter; delete for admins), its comments and audit trail, live."""
from collections.abc import Awaitable, Callable
from datetime import datetime

from nicegui import ui

from app import events
from app.errors import DomainError
from app.i18n import N_, _
from app.models import utcnow
from app.models.schemas import CommentCreate, ProblemLogDetail, ProblemLogUpdate
from app.services import comments, notifications, photos, problem_logs, problem_queries, teamwork
from app.services.access import Ability, SignedIn, acting_as
from app.services.teamwork import WorkView
from components.comment_thread import CommentBox, comment_list
from components.confirm_dialog import ask_reason, confirm
from components.design import TECHNICIAN_WORDS, TOUCH_LINK, duration_text, error_text, local_text, resolved_by_text
from components.history import history_text, value_text
from components.layout import frame
from components.notice import refusal_for
from components.page import page
from components.photo_slot import photo_gallery, photo_uploader
from components.problem_actions import ability_button, pick_colleague
from components.problem_dialogs import Act, complete_dialog, edit_dialog, vendor_dialog
from components.session import require_page_actor, signed_in
from components.status_badge import problem_badge
from components.worker import io

FACT_WORDS = {  # the facts' keys (also their test markers) and their words, translated where shown
    'Started': N_('Started'), 'Ended': N_('Ended'), 'Downtime': N_('Downtime'), 'Reported by': N_('Reported by'),
    'Acknowledged': N_('Acknowledged'), 'Who has it': N_('Who has it'), 'Technician': N_('Technician'),
    'Resolved by': N_('Resolved by'), 'Solution': N_('Solution'), 'Vendor called': N_('Vendor called'),
    'Vendor arrived': N_('Vendor arrived'), 'Vendor ticket': N_('Vendor ticket'), 'Plates lost': N_('Plates lost'),
    'Cancel reason': N_('Cancel reason')}


@page('/problem-logs/{log_id:id}', reconnect_timeout=120)  # the complete dialog is a form
async def problem_detail_page(log_id: int) -> None:
    actor = await require_page_actor()
    host = ui.element('div')  # dialogs and messages live here, outside the part a live refresh rebuilds

    async def run(work: Callable[[], Awaitable[object]], done: str) -> bool:
        """Run a change through the services; rights and rules are checked there."""
        try:
            await work()
        except (DomainError, ValueError) as error:
            with host:
                ui.notify(error_text(error), type='negative')
            return False
        with host:
            ui.notify(done, type='positive')
        return True

    async def act(changes: dict[str, object], done: str) -> bool:
        return await run(lambda: io(_update, signed_in(), log_id, ProblemLogUpdate(**changes)), done)

    async def delete() -> None:
        with host:
            if not await confirm(_('Delete this problem?'), action=_('Delete'), detail=_(
                    'It disappears from every list and statistic; the audit trail stays.')):
                return
        if await run(lambda: io(_delete, signed_in(), log_id), _('Problem deleted')):
            ui.navigate.to('/')

    async def post_comment(text: str) -> bool:
        return await run(lambda: io(_comment, signed_in(), log_id, CommentCreate(body=text)), _('Comment added'))

    @ui.refreshable
    async def body() -> None:
        try:
            detail, view = await io(_read, signed_in(), log_id)
        except DomainError as error:
            refusal_for(error)
            return
        _header(detail)
        _actions(detail, view, act, run, delete, host)  # the buttons follow the user's rights as they are now
        _facts(detail, view.owner_name)
        _photos(detail)
        comment_list(view.comments)
        _audit(detail)
        _refresh_when_undo_ends(view.undo_until, body.refresh)
        state['view'] = view

    async def may_add_photos(count: int) -> None:
        await io(_may_attach, signed_in(), log_id, count)

    async def save_photos() -> None:
        prepared = take_photos() if take_photos else []
        if prepared:
            await run(lambda: io(_attach, signed_in(), log_id, prepared), _('Photos added'))

    state: dict[str, WorkView] = {}
    with frame(_('Problem #{number}').format(number=log_id), actor):
        await body()
        view = state.get('view')
        if view is not None and view.abilities.get(Ability.COMMENT, 'no') is None:
            CommentBox(post_comment)
        take_photos = None
        if view is not None and view.abilities.get(Ability.ADD_PHOTOS, 'no') is None:
            with ui.expansion(_('Add photos'), icon='photo_camera').classes('w-full').mark('add-photos'):
                take_photos = photo_uploader(may_add=may_add_photos)
                ui.button(_('Save photos'), icon='save', on_click=save_photos).classes('min-h-[48px]') \
                    .mark('save-photos')
    events.problem_log_changed.subscribe(lambda changed: body.refresh() if changed == log_id else None)


def _read(who: SignedIn | None, log_id: int) -> tuple[ProblemLogDetail, WorkView]:
    """The problem and what this user may do on it, as they are now; every change re-reads the user."""
    with acting_as(who, write=False) as (session, actor):  # the write lock only when there is news to mark read
        detail = problem_queries.get_problem(session, actor=actor, log_id=log_id)
        view = teamwork.work_view(session, actor=actor, log_id=log_id)
        news = notifications.unread_count(session, actor=actor, log_id=log_id)
    if news:
        with acting_as(who) as (session, now):
            notifications.mark_all_read(session, actor=now, log_id=log_id)  # opening the problem reads its news
    return detail, view


def _update(who: SignedIn | None, log_id: int, body: ProblemLogUpdate) -> None:
    with acting_as(who) as (session, actor):
        problem_logs.update_problem(session, actor=actor, log_id=log_id, changes=body)


def _undo(who: SignedIn | None, log_id: int) -> None:
    with acting_as(who) as (session, actor):
        problem_logs.undo_report(session, actor=actor, log_id=log_id)


def _comment(who: SignedIn | None, log_id: int, body: CommentCreate) -> None:
    with acting_as(who) as (session, actor):
        comments.add_comment(session, actor=actor, log_id=log_id, comment_in=body)


def _may_attach(who: SignedIn | None, log_id: int, count: int) -> None:
    """Refuses (404/403/429) a photo this user may not add to the problem, as they are now."""
    with acting_as(who, write=False) as (session, actor):
        photos.check_can_attach(session, actor=actor, log_id=log_id, count=count)


def _attach(who: SignedIn | None, log_id: int, prepared: list[photos.PreparedPhoto]) -> None:
    with acting_as(who) as (session, actor):
        photos.attach_photos(session, actor=actor, log_id=log_id, prepared=prepared)


def _delete(who: SignedIn | None, log_id: int) -> None:
    with acting_as(who) as (session, actor):
        problem_logs.delete_problem(session, actor=actor, log_id=log_id)


def _refresh_when_undo_ends(until: datetime | None, refresh: Callable[[], object]) -> None:
    if until is not None:
        ui.timer(max(1.0, (until - utcnow()).total_seconds() + 1), refresh, once=True)


def _header(detail: ProblemLogDetail) -> None:
    with ui.row().classes('w-full items-center gap-2'):
        ui.link(detail.machine_name, f'/machines/{detail.machine_id}').classes(f'text-2xl font-bold {TOUCH_LINK}')
        problem_badge(detail.status).mark('problem-status')
        kind = _('stopping') if detail.is_stopping else _('running with problem')
        ui.label(_('{kind} · planned').format(kind=kind) if detail.is_planned else kind).classes('text-gray-600')
    ui.label(detail.category or _('Uncategorised')).classes('text-lg font-bold')
    ui.label(detail.problem_description).classes('whitespace-pre-wrap break-words')


def _actions(detail: ProblemLogDetail, view: WorkView, act: Act,
             run: Callable[[Callable[[], Awaitable[object]], str], Awaitable[bool]],
             delete: Callable[[], Awaitable[None]], host: ui.element) -> None:
    version, can = {'version': detail.version}, view.abilities

    async def reason_then(status: str, question: str, action: str, done: str) -> None:
        with host:
            reason = await ask_reason(question, action=action)
        if reason:
            await act({**version, 'status': status, 'reason': reason}, done)

    async def hand_over() -> None:
        with host:
            owner = await pick_colleague(view.colleagues, detail.acknowledged_by)
        if owner is not None:
            await act({**version, 'owner_id': owner}, _('Handed over'))

    with ui.row().classes('w-full gap-2 items-start'):
        ability_button(can, Ability.TAKE, _('Take it'), icon='front_hand', mark='acknowledge',
                       on_click=lambda: act({**version, 'status': 'in_progress'}, _('It is yours now')))
        ability_button(can, Ability.HAND_OVER, _('Hand over'), icon='switch_account', mark='hand-over',
                       on_click=hand_over, props='outline')
        ability_button(can, Ability.COMPLETE, _('Complete'), icon='check', mark='complete', props='color=positive',
                       on_click=lambda: _in(host, complete_dialog, detail, act))
        ability_button(can, Ability.VENDOR, _('Vendor'), icon='support_agent', mark='vendor', props='outline',
                       on_click=lambda: _in(host, vendor_dialog, detail, act))
        ability_button(can, Ability.REOPEN, _('Reopen'), icon='replay', mark='reopen', props='outline',
                       on_click=lambda: reason_then('in_progress', _('Why reopen?'), _('Reopen'), _('Reopened')))
        ability_button(can, Ability.EDIT, _('Edit'), icon='edit', mark='edit', props='outline',
                       on_click=lambda: _in(host, edit_dialog, detail, act))
        ability_button(can, Ability.UNDO, _('Undo report'), icon='undo', mark='undo', props='outline',
                       on_click=lambda: run(lambda: io(_undo, signed_in(), detail.id), _('Report undone')))
        ability_button(can, Ability.CANCEL, _('Cancel problem'), icon='block', mark='cancel',
                       props='outline color=negative', on_click=lambda: reason_then(
                           'cancelled', _('Cancel this problem? Its downtime is dropped.'), _('Cancel problem'),
                           _('Cancelled')))
        ability_button(can, Ability.DELETE, _('Delete'), icon='delete', mark='delete', props='flat color=negative',
                       on_click=delete)


def _in(host: ui.element, build: Callable[[ProblemLogDetail, Act], None], detail: ProblemLogDetail, act: Act) -> None:
    with host:
        build(detail, act)


def _downtime_text(detail: ProblemLogDetail) -> str:
    if not detail.is_stopping:
        return _('none (running)')
    if detail.end_time is not None and detail.end_time == detail.start_time:  # DOMAIN.md §5 rule 11
        return _('none: a false alarm (it ended when it started, so it is not counted as a stop)')
    return duration_text(detail.downtime_minutes)


def _facts(detail: ProblemLogDetail, owner: str | None) -> None:
    technician = _(TECHNICIAN_WORDS.get(detail.technician_type.value, detail.technician_type.value.title()))
    rows = [('Started', local_text(detail.start_time)), ('Ended', local_text(detail.end_time)),
            ('Downtime', _downtime_text(detail)),
            ('Reported by', detail.created_by_name or '—'), ('Acknowledged', local_text(detail.acknowledged_at)),
            ('Who has it', owner or _('Nobody yet')),
            ('Technician', f'{technician} {detail.technician_name or ""}'.strip()),
            ('Resolved by', resolved_by_text(detail.resolved_by)),
            ('Solution', detail.solution or '—'), ('Vendor called', local_text(detail.vendor_called_at)),
            ('Vendor arrived', local_text(detail.vendor_arrived_at)), ('Vendor ticket', detail.vendor_ticket or '—'),
            ('Plates lost', str(detail.plates_lost))]
    if detail.cancel_reason:
        rows.append(('Cancel reason', value_text('reason', detail.cancel_reason)))
    with ui.element('div').classes('w-full grid grid-cols-1 sm:grid-cols-2 lg:grid-cols-3 gap-x-6 gap-y-1'):
        for key, value in rows:
            with ui.row().classes('gap-2 no-wrap'):
                ui.label(_(FACT_WORDS[key])).classes('text-gray-600 w-32 shrink-0')
                ui.label(value).classes('break-words').mark(f'fact-{key.lower().replace(" ", "-")}')


def _photos(detail: ProblemLogDetail) -> None:
    if not detail.photos:
        return
    ui.label(_('Photos')).classes('text-lg font-bold')
    photo_gallery(detail.photos)


def _audit(detail: ProblemLogDetail) -> None:
    ui.label(_('History')).classes('text-lg font-bold')
    with ui.column().classes('w-full gap-0').mark('audit'):
        for entry in reversed(detail.audit):
            ui.label(f'{local_text(entry.at)} · {entry.actor_name or _("system")} · {history_text(entry)}') \
                .classes('text-sm break-words')
