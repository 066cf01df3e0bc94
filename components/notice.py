"""One "not found" and one "not allowed" page for every route: a title, the reason in the user's words, a way back."""
from nicegui import ui

from app.errors import DomainError, NotFound, PermissionDenied
from app.i18n import N_, _
from components.design import SECTION, TITLE, TOUCH, error_text

NOT_FOUND, NOT_ALLOWED = N_('Not found'), N_('Not allowed')  # translated where shown
CANNOT_SHOW = N_('Cannot show this page')
_ICONS = {NOT_FOUND: 'search_off', NOT_ALLOWED: 'block'}
_HINTS = {NOT_FOUND: N_('It may have been deleted, or it belongs to a machine you are not assigned to.'),
          NOT_ALLOWED: N_('Ask an administrator if you need it.')}


def refusal(title: str, message: str, *, alone: bool = False) -> None:
    """The page's whole content when it cannot be shown: what happened, why, and the way back to the overview.

    `title` is one of the (untranslated) titles above; `message` comes translated (a service's message: as given).
    Its title is a section under the frame's title, or the screen's title when it is `alone` (no frame around it).
    """
    with ui.column().classes('w-full items-center text-center gap-3 mt-16').mark('refusal'):
        ui.icon(_ICONS.get(title, 'info')).classes('text-6xl text-grey-7')
        ui.label(_(title)).classes('text-2xl font-bold').props(TITLE if alone else SECTION)
        ui.label(message).classes('text-lg')
        if hint := _HINTS.get(title):
            ui.label(_(hint)).classes('text-grey-8')
        ui.link(_('Back to the overview'), '/').classes(f'{TOUCH} inline-flex items-center text-lg')


def refusal_for(error: DomainError) -> None:
    """`refusal` with the title that fits the service's error (404 → not found, 403 → not allowed)."""
    title = NOT_FOUND if isinstance(error, NotFound) else NOT_ALLOWED if isinstance(error, PermissionDenied) \
        else CANNOT_SHOW
    refusal(title, error_text(error))
