"""NiceGUI's two small response middlewares as plain ASGI: the same headers, without Starlette's BaseHTTPMiddleware.

`ui.run` wraps every request in RedirectWithPrefixMiddleware (a redirect's Location gets the proxy's
X-Forwarded-Prefix) and SetCacheControlMiddleware (NiceGUI's versioned files get its cache header). Both are
BaseHTTPMiddleware: each runs the rest of the app in a task of its own and passes the body through memory streams,
about 0.6 ms of CPU per request each on the reference machine (docs/BENCHMARKS.md, "Server CPU per change") for
one header edit. `install` hands `ui.run` these classes instead, which make the same edits on the response's start
message. Without NiceGUI's names (another version) nothing is replaced.
"""
import logging
from collections.abc import Callable

from nicegui import core, ui_run, ui_run_with
from nicegui.version import __version__
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)
REPLACED = {'RedirectWithPrefixMiddleware': 'RedirectWithPrefix', 'SetCacheControlMiddleware': 'SetCacheControl'}


class _OnResponseStart:
    """Plain ASGI: `edit(scope)` gives the edit of the response's headers for this request, or None for none."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def edit(self, scope: Scope) -> Callable[[MutableHeaders], None] | None:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        edit = self.edit(scope) if scope['type'] == 'http' else None
        if edit is None:
            await self.app(scope, receive, send)
            return

        async def edited(message: Message) -> None:
            if message['type'] == 'http.response.start':
                edit(MutableHeaders(scope=message))
            await send(message)
        await self.app(scope, receive, edited)


class RedirectWithPrefix(_OnResponseStart):
    """A local redirect's Location behind a proxy that forwards a path prefix (as RedirectWithPrefixMiddleware)."""

    def edit(self, scope: Scope) -> Callable[[MutableHeaders], None] | None:
        prefix = Headers(scope=scope).get('x-forwarded-prefix', '')
        if not prefix:
            return None

        def with_prefix(headers: MutableHeaders) -> None:
            location = headers.get('location')
            if location is not None and location.startswith('/'):
                headers['location'] = prefix + location
        return with_prefix


class SetCacheControl(_OnResponseStart):
    """NiceGUI's versioned files (not its dynamic resources) with its cache header (as SetCacheControlMiddleware)."""

    def edit(self, scope: Scope) -> Callable[[MutableHeaders], None] | None:
        path = str(scope.get('path', ''))
        if not path.startswith(f'/_nicegui/{__version__}/') \
                or path.startswith(f'/_nicegui/{__version__}/dynamic_resources/'):
            return None

        def cached(headers: MutableHeaders) -> None:
            headers['cache-control'] = core.app.config.cache_control_directives
        return cached


def install() -> None:
    """Before `ui.run`: it adds these classes where it added NiceGUI's."""
    for module in (ui_run, ui_run_with):
        for name, ours in REPLACED.items():
            if hasattr(module, name):
                setattr(module, name, globals()[ours])
            else:
                logger.warning('NiceGUI has no %s.%s: its own middleware stays', module.__name__, name)
