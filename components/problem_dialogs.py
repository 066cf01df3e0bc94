"""The dialogs of the problem page: complete (downtime shown before saving) and edit. Times are plant-local."""
from collections.abc import Awaitable, Callable
from datetime import datetime

from nicegui import ui

from app.config import get_settings
from app.i18n import _
from app.models import utcnow
from app.models.schemas import ProblemLogDetail
from components.design import TOUCH, duration_text, resolved_by_words
from components.dialog import named_dialog
from components.time_pick import TimeField

TIME_FORMAT = '%Y-%m-%d %H:%M'
Act = Callable[[dict[str, object], str], Awaitable[bool]]  # (changes, success message) -> saved?


def parse_local(text: str | None, label: str = '') -> datetime | None:
    if not text or not text.strip():
        return None
    try:
        return datetime.strptime(text.strip(), TIME_FORMAT).replace(tzinfo=get_settings().zone)
    except ValueError as error:
        raise ValueError(_('{field}: pick a date and time with the clock button').format(field=label or _('Time'))) \
            from error


def _changed_time(key: str, field: TimeField, shown: datetime | None) -> dict[str, object]:
    """Only a time the user changed is sent: the field shows whole minutes, the stored value has seconds."""
    if field.value == _local_input(shown):
        return {}
    return {key: parse_local(field.value, field.label)}


def _local_input(moment: datetime | None) -> str:
    return moment.astimezone(get_settings().zone).strftime(TIME_FORMAT) if moment else ''


def complete_dialog(detail: ProblemLogDetail, act: Act) -> None:
    """Solution, resolved by, end time, vendor fields, plates lost; the downtime is shown before saving."""
    loaded = utcnow()
    with named_dialog(_('Complete problem')) as dialog, \
            ui.card().classes('w-[560px] max-w-[95vw]').mark('complete-dialog'):
        ui.label(_('Complete problem')).classes('text-lg font-bold')
        solution = ui.textarea(_('Solution') + ' *', value=detail.solution or '') \
            .props('outlined autogrow counter maxlength=4000') \
            .classes('w-full').mark('solution')
        resolved = ui.select(resolved_by_words(), label=_('Resolved by') + ' *', value=detail.resolved_by) \
            .props('outlined').classes('w-full').mark('resolved-by')
        end = TimeField(_('Ended'), _local_input(loaded), mark='end-time', optional=False)
        with ui.row().classes('w-full gap-2 no-wrap'):
            called = TimeField(_('Vendor called'), _local_input(detail.vendor_called_at), mark='vendor-called')
            arrived = TimeField(_('Vendor arrived'), _local_input(detail.vendor_arrived_at), mark='vendor-arrived')
        with ui.row().classes('w-full gap-2 no-wrap'):
            ticket = ui.input(_('Vendor ticket'), value=detail.vendor_ticket or '').props('outlined maxlength=64')
            plates = ui.number(_('Plates lost'), value=detail.plates_lost, min=0, max=9999, precision=0) \
                .props('outlined')
        preview = ui.label().classes('text-base font-bold').mark('downtime-preview')

        def show_downtime() -> None:
            try:
                ended = parse_local(end.value, end.label) or loaded
            except ValueError:
                preview.text = _('Downtime: check the end time')
                return
            minutes = detail.downtime_minutes - max(0.0, (loaded - ended).total_seconds() / 60)
            preview.text = _('Downtime: {duration}').format(duration=duration_text(max(0.0, minutes))) \
                if detail.is_stopping else _('No downtime (the machine kept running)')

        async def save() -> None:
            try:
                changes = {'version': detail.version, 'status': 'completed', 'solution': solution.value,
                           'resolved_by': resolved.value, 'vendor_ticket': (ticket.value or '').strip() or None,
                           'plates_lost': int(plates.value or 0),
                           **_changed_time('end_time', end, loaded),
                           **_changed_time('vendor_called_at', called, detail.vendor_called_at),
                           **_changed_time('vendor_arrived_at', arrived, detail.vendor_arrived_at)}
            except ValueError as error:
                ui.notify(str(error), type='negative')
                return
            if await act(changes, _('Problem completed')):
                dialog.close()

        end.input.on_value_change(show_downtime)
        show_downtime()
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(_('Back'), on_click=dialog.close).props('flat').classes(TOUCH)
            ui.button(_('Save and complete'), on_click=save).props('color=positive').classes(TOUCH) \
                .mark('complete-save')
    dialog.on_value_change(lambda e: None if e.value else dialog.delete())  # closed dialogs do not pile up
    dialog.open()


def edit_dialog(detail: ProblemLogDetail, act: Act) -> None:
    """Description, start time, stopping or not, technician name."""
    with named_dialog(_('Edit problem')) as dialog, ui.card().classes('w-[560px] max-w-[95vw]').mark('edit-dialog'):
        ui.label(_('Edit problem')).classes('text-lg font-bold')
        text = ui.textarea(_('Description') + ' *', value=detail.problem_description) \
            .props('outlined autogrow counter maxlength=4000') \
            .classes('w-full').mark('edit-description')
        start = TimeField(_('Started'), _local_input(detail.start_time), mark='edit-start', optional=False)
        stopping = ui.switch(_('Machine stopped'), value=detail.is_stopping).classes(TOUCH)
        name = ui.input(_('Technician name'), value=detail.technician_name or '').props('outlined').classes('w-full')

        async def save() -> None:
            try:
                changes = {'version': detail.version, 'problem_description': text.value,
                           'is_stopping': stopping.value, 'technician_name': (name.value or '').strip() or None,
                           **_changed_time('start_time', start, detail.start_time)}
            except ValueError as error:
                ui.notify(str(error), type='negative')
                return
            if await act(changes, _('Saved')):
                dialog.close()

        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(_('Back'), on_click=dialog.close).props('flat').classes(TOUCH)
            ui.button(_('Save'), on_click=save).classes(TOUCH).mark('edit-save')
    dialog.on_value_change(lambda e: None if e.value else dialog.delete())  # closed dialogs do not pile up
    dialog.open()


def vendor_dialog(detail: ProblemLogDetail, act: Act) -> None:
    """When the vendor was called and arrived, and their ticket: the team sets these while the problem is open."""
    with named_dialog(_('Vendor')) as dialog, ui.card().classes('w-[560px] max-w-[95vw]').mark('vendor-dialog'):
        ui.label(_('Vendor')).classes('text-lg font-bold')
        called = TimeField(_('Vendor called'), _local_input(detail.vendor_called_at or utcnow()), mark='vendor-called')
        arrived = TimeField(_('Vendor arrived'), _local_input(detail.vendor_arrived_at), mark='vendor-arrived')
        ticket = ui.input(_('Vendor ticket'), value=detail.vendor_ticket or '').props('outlined maxlength=64 counter') \
            .classes('w-full').mark('vendor-ticket')

        async def save() -> None:
            try:
                changes = {'version': detail.version, 'vendor_ticket': (ticket.value or '').strip() or None,
                           **_changed_time('vendor_called_at', called, detail.vendor_called_at),
                           **_changed_time('vendor_arrived_at', arrived, detail.vendor_arrived_at)}
            except ValueError as error:
                ui.notify(str(error), type='negative')
                return
            if await act(changes, _('Vendor details saved')):
                dialog.close()

        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(_('Back'), on_click=dialog.close).props('flat').classes(TOUCH)
            ui.button(_('Save'), on_click=save).classes(TOUCH).mark('vendor-save')
    dialog.on_value_change(lambda e: None if e.value else dialog.delete())  # closed dialogs do not pile up
    dialog.open()
