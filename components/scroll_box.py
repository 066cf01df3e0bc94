"""A box that scrolls sideways what is wider than the screen, such as a wide table on a phone."""
from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import ui

# the table inside does not scroll itself: the box does (components/design.py TOUCH_CSS)
WIDE_TABLE = 'w-fit min-w-full'


@contextmanager
def scroll_box(label: str) -> Iterator[ui.element]:
    """A named region that takes the keyboard focus, so that arrow keys scroll it as a finger does.

    Put a `ui.table` with the classes WIDE_TABLE inside.
    """
    with ui.element('div').classes('w-full overflow-x-auto ctp-table-scroll') as box:
        box.props['tabindex'] = '0'
        box.props['role'] = 'region'
        box.props['aria-label'] = label
        yield box
