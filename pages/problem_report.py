"""/machines/{id}/report: the tablet form. Three taps: card -> subsystem -> 'Machine DOWN' / 'Running with problem'.

Typed input is a draft in app.storage.user (per user and machine), restored after a reload; the client_key
minted when the form opens makes a double tap or a retried submit create one problem.
"""
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from nicegui import app as nicegui_app
from nicegui import ui
from nicegui.events import ValueChangeEventArguments

from app import i18n
from app.config import get_settings
from app.db import read_session
from app.errors import DomainError
from app.i18n import _
from app.models import TechnicianType
from app.models.schemas import ProblemLogCreate
from app.services import machines, photos, problem_logs, taxonomy
from app.services.access import ROLE_ACTIONS, Action, Actor, SignedIn, acting_as
from components.confirm_dialog import confirm
from components.design import BIG_BUTTON, TOUCH, error_text
from components.layout import frame
from components.notice import NOT_ALLOWED, refusal, refusal_for
from components.page import page
from components.photo_slot import photo_uploader
from components.session import page_storage, require_page_actor, signed_in
from components.time_pick import StartChoices
from components.worker import io

Tree = list[tuple[int, str, list[tuple[int, str]]]]


@page('/m/{machine_id:id}/report', reconnect_timeout=120)  # the short URL on a machine's QR label
@page('/machines/{machine_id:id}/report', reconnect_timeout=120)
async def problem_report_page(machine_id: int, description: str = '') -> None:
    actor = await require_page_actor()
    if Action.REPORT not in ROLE_ACTIONS[actor.role]:
        with frame(_('Report problem'), actor):
            refusal(NOT_ALLOWED, _('Your role can look at machines but not report problems.'))
        return
    try:
        name, tree = await io(_load, actor, machine_id)
    except DomainError as error:
        with frame(_('Report problem'), actor):
            refusal_for(error)
        return
    drafts = nicegui_app.storage.user.setdefault('drafts', {})
    draft: dict[str, object] = drafts.setdefault(f'report-{machine_id}', _empty_draft())
    if description.strip() and not str(draft.get('description') or '').strip():  # pre-filled, e.g. by a reading
        draft['description'] = description.strip()[:4000]
    status = None

    def saved() -> None:
        drafts[f'report-{machine_id}'] = draft  # re-assign so the storage notices and persists
        if status is not None:
            status.text = _('Draft saved {time}').format(time=i18n.time_text(datetime.now(UTC), seconds=True))

    def pick_subsystem(subsystem_id: int) -> None:
        draft['subsystem_id'], draft['symptom_id'] = subsystem_id, None
        saved()
        pickers.refresh()

    def pick_symptom(symptom_id: int) -> None:
        draft['symptom_id'] = None if draft.get('symptom_id') == symptom_id else symptom_id
        saved()
        pickers.refresh()

    async def submit(stopping: bool) -> None:
        if buttons[0].enabled is False:  # a second tap that reached the server before the buttons went grey
            return
        for button in buttons:
            button.disable()
        if _is_empty(draft) and not await confirm(
                _('Report a problem without saying what it is?'), action=_('Report anyway'),
                detail=_('Nothing is chosen and nothing is typed. Tap Back to pick what is affected.')):
            for button in buttons:
                button.enable()
            return
        try:
            body = _body(machine_id, draft, stopping, tree)
            log_id = await io(_report, signed_in(), body, take_photos())
        except (DomainError, ValueError) as error:
            ui.notify(error_text(error), type='negative')
            for button in buttons:
                button.enable()
            return
        drafts.pop(f'report-{machine_id}', None)
        page_storage()['drafts'] = drafts
        ui.notify(_('Problem reported'), type='positive')
        ui.navigate.to(f'/problem-logs/{log_id}')

    @ui.refreshable
    def pickers() -> None:
        _subsystem_grid(tree, draft.get('subsystem_id'), pick_subsystem)
        _symptom_chips(tree, draft.get('subsystem_id'), draft.get('symptom_id'), pick_symptom)

    with frame(_('Report problem'), actor):
        with ui.row().classes('w-full items-baseline gap-2'):
            ui.label(name).classes('text-2xl font-bold')
            ui.space()
            status = ui.label(_('Draft kept on this device and the server')).classes('text-sm text-gray-500') \
                .mark('draft-status')
        ui.label(_('1. What is affected?')).classes('text-lg font-bold')
        pickers()
        _details(draft, saved)
        take_photos = photo_uploader(may_add=lambda count: io(_may_add_photos, signed_in(), machine_id, count))
        buttons = _action_bar(submit)
    _offline_hint()


def _is_empty(draft: dict[str, object]) -> bool:
    """Nothing chosen and nothing typed: maybe an accidental tap, so the form asks once before saving."""
    return not (draft.get('subsystem_id') or draft.get('symptom_id') or str(draft.get('description') or '').strip())


def _empty_draft() -> dict[str, object]:
    return {'client_key': uuid.uuid4().hex, 'subsystem_id': None, 'symptom_id': None, 'description': '',
            'start': '', 'technician_type': TechnicianType.INTERNAL.value, 'technician_name': ''}


def _load(actor: Actor, machine_id: int) -> tuple[str, Tree]:
    with read_session() as session:
        machine = machines.get_machine(session, actor=actor, machine_id=machine_id)
        tree = [(parent.id, taxonomy.shown_name(parent), [(c.id, taxonomy.shown_name(c)) for c in children])
                for parent, children in taxonomy.list_tree(session)]
    return machine.name, tree  # type: ignore[return-value]


def _may_add_photos(who: SignedIn | None, machine_id: int, count: int) -> None:
    """Refuses (404/403/429) a photo for a report this user may not make, as they are now."""
    with acting_as(who, write=False) as (session, actor):
        photos.check_can_report(session, actor=actor, count=count, machine_id=machine_id)


def _report(who: SignedIn | None, body: ProblemLogCreate, prepared: list[photos.PreparedPhoto]) -> int:
    """Report the problem, with its photos in the same transaction when there are any, as the user is now."""
    with acting_as(who) as (session, actor):
        outcome = problem_logs.report_problem(session, actor=actor, problem_in=body, photos=prepared)
        return outcome.log.id  # type: ignore[return-value]  # committed: has an id


def _body(machine_id: int, draft: dict[str, object], stopping: bool, tree: Tree) -> ProblemLogCreate:
    category = draft.get('symptom_id') or draft.get('subsystem_id')
    # stored data, not screen text: the plant's own words, or the English fallback the API uses as well
    description = str(draft.get('description') or '').strip() or _label(tree, category) or 'Problem reported'
    start = _parse_start(str(draft.get('start') or ''))
    return ProblemLogCreate(machine_id=machine_id, problem_description=description, category_id=category,
                            is_stopping=stopping, start_time=start, client_key=str(draft['client_key']),
                            technician_type=TechnicianType(str(draft.get('technician_type') or 'internal')),
                            technician_name=str(draft.get('technician_name') or '').strip() or None)


def _parse_start(text: str) -> datetime | None:
    """'' means now; otherwise a plant-local 'YYYY-MM-DD HH:MM'."""
    if not text.strip():
        return None
    try:
        return datetime.strptime(text.strip(), '%Y-%m-%d %H:%M').replace(tzinfo=get_settings().zone)
    except ValueError as error:
        raise ValueError(_('When did it start: tap one of the choices or Pick… to set the time')) from error


def _label(tree: Tree, category: object) -> str | None:
    for parent_id, parent_name, children in tree:
        if parent_id == category:
            return parent_name
        for child_id, child_name in children:
            if child_id == category:
                return f'{parent_name} – {child_name}'
    return None


def _subsystem_grid(tree: Tree, chosen: object, pick: Callable[[int], None]) -> None:
    with ui.element('div').classes('w-full grid gap-2 grid-cols-2 sm:grid-cols-3 xl:grid-cols-4').mark('subsystems'):
        for parent_id, parent_name, _ in tree:
            selected = parent_id == chosen
            ui.button(parent_name, on_click=lambda p=parent_id: pick(p)) \
                .props(f'no-caps {"color=primary" if selected else "outline color=primary"}') \
                .classes(f'w-full {BIG_BUTTON}').mark(f'subsystem-{parent_id}')


def _symptom_chips(tree: Tree, chosen_parent: object, chosen: object, pick: Callable[[int], None]) -> None:
    children = next((kids for pid, _, kids in tree if pid == chosen_parent), None)
    if not children:
        return
    ui.label(_('2. Symptom (optional)')).classes('text-lg font-bold')
    with ui.row().classes('w-full gap-2').mark('symptoms'):
        for child_id, child_name in children:
            ui.button(child_name, on_click=lambda c=child_id: pick(c)) \
                .props(f'no-caps rounded {"color=secondary" if child_id == chosen else "outline color=secondary"}') \
                .classes(TOUCH).mark(f'symptom-{child_id}')


def _details(draft: dict[str, object], saved: Callable[[], None]) -> None:
    def bind(element: ui.input | ui.textarea | ui.select, key: str) -> None:
        element.value = draft.get(key) or element.value
        def store(e: ValueChangeEventArguments) -> None:
            draft[key] = e.value
            saved()
        element.on_value_change(store)

    with ui.expansion(_('Details (optional): description, start time, technician'), icon='edit_note', value=True) \
            .classes('w-full text-base'):
        bind(ui.textarea(_('What happened?')).props('outlined autogrow debounce=400 counter maxlength=4000')
             .classes('w-full').mark('description'), 'description')
        def store_start(text: str) -> None:
            draft['start'] = text
            saved()
        StartChoices(str(draft.get('start') or ''), store_start)
        with ui.row().classes('w-full gap-2'):
            bind(ui.select({'internal': _('Internal'), 'vendor': _('Vendor')}, label=_('Technician'), value='internal')
                 .props('outlined').classes('w-40').mark('technician-type'), 'technician_type')
            bind(ui.input(_('Technician name')).props('outlined debounce=400').classes('grow')
                 .mark('technician-name'), 'technician_name')


ACTION_BAR_HEIGHT_JS = '''<script>(function watch() {  // --ctp-action-bar: the bar's height, kept current
  const bar = document.querySelector('.ctp-action-bar');
  if (!bar) return setTimeout(watch, 100);  // the page's elements are mounted after this script runs
  new ResizeObserver(() => document.body.style.setProperty(
    '--ctp-action-bar', `${Math.ceil(bar.getBoundingClientRect().height)}px`)).observe(bar);
})();</script>'''


def _action_bar(submit: Callable[[bool], Awaitable[None]]) -> list[ui.button]:
    # toasts sit above the action bar, never on it, whatever its height (one row on a tablet, two on a phone)
    ui.add_css('.q-notifications__list--bottom { bottom: var(--ctp-action-bar, 0px) !important } '
               '.ctp-action-bar { background: white } '
               'body.body--dark .ctp-action-bar { background: var(--q-dark-page) }')
    ui.add_body_html(ACTION_BAR_HEIGHT_JS)
    with ui.element('div').classes('ctp-action-bar w-full sticky bottom-0 z-10 py-2 '
                                   'grid grid-cols-1 sm:grid-cols-2 gap-2'):
        down = ui.button(_('Machine DOWN'), icon='cancel', on_click=lambda: submit(True))
        down.props('color=red-8').classes('w-full min-h-[64px] text-lg font-bold').mark('submit-down')
        running = ui.button(_('Running with problem'), icon='warning', on_click=lambda: submit(False))
        running.props('color=amber-9 text-color=black')  # black on amber: 9:1 (white was 2.2:1)
        running.classes('w-full min-h-[64px] text-lg font-bold').mark('submit-running')
    return [down, running]


def _offline_hint() -> None:
    """Shown by the browser itself while the connection is gone: what was typed stays on the page and server."""
    ui.label(_('Offline: keep typing, nothing is lost; it is saved when the connection is back.')) \
        .classes('fixed top-16 left-1/2 -translate-x-1/2 z-50 bg-amber-300 text-black px-3 py-2 rounded shadow') \
        .style('display:none').classes('ctp-offline-hint')
    ui.add_css('#popup { display: none !important; }')  # NiceGUI's own "connection lost" box: one indicator
    ui.add_body_html('<script>setInterval(() => { const el = document.querySelector(".ctp-offline-hint");'
                     ' if (el && window.socket) el.style.display = window.socket.connected ? "none" : "block"; },'
                     ' 1000);</script>')
