"""`page`: NiceGUI's `ui.page` with the app's defaults, used by every screen instead of `ui.page` itself.

NiceGUI shows a terminal error page when a page function needs more than `response_timeout` (3 s by default) to
build. On a plant's small server under load (a month-end export, a burst of machine signals) a board read can take
longer; the screen should wait for it, not fail.
"""
from typing import Any

from nicegui import ui

BUILD_SECONDS = 30.0  # how long a page may take to build before NiceGUI gives up on it


def page(path: str, **kwargs: Any) -> ui.page:
    """`ui.page(path, ...)` with `response_timeout=BUILD_SECONDS` unless the page sets its own."""
    kwargs.setdefault('response_timeout', BUILD_SECONDS)
    return ui.page(path, **kwargs)
