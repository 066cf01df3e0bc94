"""Status badges: colour plus icon plus word, never colour alone."""
from nicegui import ui

from components.design import problem_look, status_look


def status_badge(status: str, *, marker: str | None = None) -> ui.badge:
    """A machine status as a badge with its icon and word (DOWN, MAINTENANCE, DEGRADED, RUNNING).

    :param status: the machine status
    :param marker: a test marker for the word
    """
    colour, icon, word = status_look(status)
    with ui.badge(color=colour).classes('text-base px-3 py-1 gap-1') as badge:
        ui.icon(icon).classes('text-lg')
        label = ui.label(word).classes('font-bold')
        if marker:
            label.mark(marker)
    return badge


def problem_badge(status: str) -> ui.badge:
    """A problem status (open, in progress, completed, cancelled) as a badge."""
    colour, word = problem_look(status)
    return ui.badge(word, color=colour).classes('text-sm px-2 py-1')
