"""Status badges: colour plus icon plus word, never colour alone."""
from nicegui import ui

from components.design import problem_look, status_look


def status_badge(status: str) -> ui.badge:
    """A machine status as a badge with its icon and word (DOWN, MAINTENANCE, DEGRADED, RUNNING)."""
    colour, icon, word = status_look(status)
    with ui.badge(color=colour).classes('text-sm px-2 py-1 gap-1') as badge:
        ui.icon(icon).classes('text-base')
        ui.label(word)
    return badge


def problem_badge(status: str) -> ui.badge:
    """A problem status (open, in progress, completed, cancelled) as a badge."""
    colour, word = problem_look(status)
    return ui.badge(word, color=colour).classes('text-sm px-2 py-1')
