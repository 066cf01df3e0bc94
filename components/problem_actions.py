"""The problem page's action buttons, rendered from what the services say this user may do (and why not)."""
from collections.abc import Callable
from typing import Any

from nicegui import ui

from app.i18n import _
from app.services.access import Ability
from components.design import TOUCH
from components.dialog import named_dialog

Abilities = dict[Ability, str | None]


def ability_button(abilities: Abilities, ability: Ability, label: str, *, icon: str, mark: str,
                   on_click: Callable[[], Any], props: str = '') -> ui.button | None:
    """A button for an ability: hidden when it does not apply, disabled with the reason shown when not allowed.

    :param abilities: what the user may do on the problem (access.problem_abilities)
    :param ability: the ability this button uses
    :param mark: test marker; the reason line is marked `<mark>-reason`
    """
    if ability not in abilities:
        return None
    reason = abilities[ability]
    with ui.column().classes('gap-0 items-start'):
        button = ui.button(label, icon=icon, on_click=on_click).props(props).classes(TOUCH).mark(mark)
        if reason:
            button.disable()
            text = _(reason)  # the services' reasons are marked English texts
            ui.label(text[:1].upper() + text[1:]).classes('text-xs text-gray-600 dark:text-gray-300 max-w-[16rem]') \
                .mark(f'{mark}-reason')
    return button


async def pick_colleague(colleagues: list[tuple[int, str]], current: int | None) -> int | None:
    """Ask whom to hand the problem to; None when the user backs out."""
    options = {user_id: name for user_id, name in colleagues if user_id != current}
    with named_dialog(_('Hand over to')) as dialog, ui.card().classes('min-w-[300px]').mark('hand-over-dialog'):
        ui.label(_('Hand over to')).classes('text-lg font-bold')
        if not options:
            ui.label(_('Nobody else is assigned to this machine.'))
        who = ui.select(options, label=_('Colleague')).props('outlined').classes('w-full').mark('hand-over-to')
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(_('Back'), on_click=lambda: dialog.submit(None)).props('flat').classes(TOUCH)
            ui.button(_('Hand over'), on_click=lambda: dialog.submit(who.value)).classes(TOUCH).mark('hand-over-save')
    result = await dialog
    dialog.delete()
    return result if isinstance(result, int) else None

