"""Dialogs named for assistive technology: a screen reader announces the dialog's title when it opens (axe-core's
aria-dialog-name rule), the same words the dialog shows at its top."""
from nicegui import ui


def named_dialog(name: str) -> ui.dialog:
    """A `ui.dialog` whose accessible name is `name` (set as an attribute, so any text is safe)."""
    dialog = ui.dialog()
    dialog.props['aria-label'] = name
    return dialog
