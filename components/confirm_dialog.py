"""Confirmation for destructive actions: `await confirm('Delete this problem?')` -> bool."""
from nicegui import ui

from app.i18n import _
from components.design import TOUCH
from components.dialog import named_dialog


async def confirm(question: str, *, action: str | None = None, detail: str | None = None) -> bool:
    """Ask before destroying something; True only for an explicit yes. Texts come translated."""
    with named_dialog(question) as dialog, ui.card().classes('min-w-[280px]').mark('confirm-dialog'):
        ui.label(question).classes('text-lg font-bold')
        if detail:
            ui.label(detail)
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(_('Back'), on_click=lambda: dialog.submit(False)).props('flat').classes(TOUCH) \
                .mark('confirm-back')
            ui.button(action or _('Yes'), on_click=lambda: dialog.submit(True)).props('color=negative').classes(TOUCH) \
                .mark('confirm-yes')
    result = await dialog
    dialog.delete()
    return bool(result)


async def ask_reason(question: str, *, action: str) -> str | None:
    """Ask for a required reason (cancel, reopen); None when the user backs out."""
    with named_dialog(question) as dialog, ui.card().classes('min-w-[300px]').mark('reason-dialog'):
        ui.label(question).classes('text-lg font-bold')
        reason = ui.textarea(_('Reason')).props('autogrow outlined').classes('w-full').mark('reason')
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(_('Back'), on_click=lambda: dialog.submit(None)).props('flat').classes(TOUCH)
            ui.button(action, on_click=lambda: dialog.submit((reason.value or '').strip() or None)) \
                .props('color=negative').classes(TOUCH).mark('reason-submit')
    result = await dialog
    dialog.delete()
    return result if isinstance(result, str) else None
