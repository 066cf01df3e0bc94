"""The language of a screen: chosen while the page builds, kept on its client, re-entered by its live updates.

Resolution (app/i18n.py): the display's own language, else the user's, else the plant default (CTP_LANGUAGE); a
page nobody is signed in to (the sign-in page) follows the browser's Accept-Language. Live updates run in
background tasks that inherit the context of whoever created them (often the request that saved a change, in
another user's language), so each one re-enters its own screen's language with `speaking(client)` or
`enter(client)` before it renders.
"""
import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nicegui import Client, events, ui

from app import i18n
from app.config import get_settings
from app.i18n import _
from app.services.access import Actor

CLIENT_KEY = 'ctp_language'  # in the client's own storage (one page, server memory)
# The page's `<html lang>` and Quasar's language pack (month and day names of the date pickers, Quasar's own words)
QUASAR_LANGUAGES = {'en': 'en-GB', 'de': 'de-DE'}  # en-GB: weeks start on Monday, as the plant's do


def speak(code: str) -> str:
    """Render this page in `code` from now on, its live updates as well; returns the language in use."""
    i18n.use_language(code)
    language = i18n.current_language()
    ui.context.client.storage[CLIENT_KEY] = language
    _page_language(ui.context.client, QUASAR_LANGUAGES.get(language, 'en-GB'))
    return language


def _page_language(client: Client, tag: str) -> None:
    """This client's page in `tag`: NiceGUI reads `<html lang>` and the Quasar language pack from the page's
    definition, shared by every visitor, so the client gets its own copy of it."""
    if client.page.resolve_language() != tag:
        client.page = copy.copy(client.page)
        client.page.language = tag  # type: ignore[assignment]


def speak_for(actor: Actor) -> str:
    """The actor's own language (a display's or a person's), else the plant default."""
    return speak(i18n.resolve(actor.language))


def speak_browser_language() -> str:
    """For a page before anyone is known: the browser's Accept-Language, else the plant default."""
    header = ui.context.client.request.headers.get('accept-language') if ui.context.client.request else None
    return speak(i18n.resolve(i18n.negotiate(header)))


def language_choices() -> dict[str, str]:
    """Options of a language select: '' for the plant default (named), then each language in its own words."""
    default = i18n.LANGUAGE_NAMES.get(get_settings().language, get_settings().language)
    return {'': _('Plant default ({language})').format(language=default), **i18n.LANGUAGE_NAMES}


def language_of(client: Client) -> str:
    return str(client.storage.get(CLIENT_KEY) or i18n.resolve())


def enter(client: Client) -> None:
    """At the start of a background task of this client: render in its language (the task's context only)."""
    i18n.use_language(language_of(client))


def _events_in_client_language() -> None:
    """A click, a typed value or a dialog's answer reaches its handler from the socket's task, whose context knows no
    screen: NiceGUI's `events.handle_event` (through which every element event passes, in a browser and in the
    simulated `User` alike) is wrapped once, so every handler, and every task it starts, renders in its own client's
    language (toasts, dialogs, validation messages)."""
    original = events.handle_event
    if getattr(original, 'in_client_language', False):
        return

    def handle_event(handler: Any, arguments: Any, **kwargs: Any) -> None:
        client = getattr(arguments, 'client', None)
        if not isinstance(client, Client):
            original(handler, arguments, **kwargs)
            return
        with i18n.language(language_of(client)):
            original(handler, arguments, **kwargs)
    handle_event.in_client_language = True  # type: ignore[attr-defined]
    events.handle_event = handle_event


_events_in_client_language()


@contextmanager
def speaking(client: Client) -> Iterator[None]:
    """Render in the client's language inside the block (an event handler running in an emitter's context)."""
    with i18n.language(language_of(client)):
        yield
