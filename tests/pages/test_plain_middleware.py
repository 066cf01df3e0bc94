"""NiceGUI's two header middlewares, run as plain ASGI (components/plain_middleware.py): the same headers as
NiceGUI's own, on the whole app as a browser and a proxy reach it."""
import httpx
from nicegui import core, ui_run
from nicegui.testing import User
from nicegui.version import __version__
from starlette.middleware.base import BaseHTTPMiddleware

from components import plain_middleware


async def test_a_redirect_behind_a_prefixing_proxy_keeps_the_prefix(api_client: httpx.AsyncClient) -> None:
    response = await api_client.get('/profile', headers={'X-Forwarded-Prefix': '/ctp'}, follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert response.headers['location'] == '/ctp/login?redirect_to=/profile'
    plain = await api_client.get('/profile', follow_redirects=False)
    assert plain.headers['location'] == '/login?redirect_to=/profile'


async def test_nicegui_files_get_its_cache_header_and_nothing_else_does(api_client: httpx.AsyncClient) -> None:
    versioned = await api_client.get(f'/_nicegui/{__version__}/static/nicegui.css')
    assert versioned.status_code == 200
    assert versioned.headers['cache-control'] == core.app.config.cache_control_directives
    other = await api_client.get('/healthz')
    assert other.headers.get('cache-control') != core.app.config.cache_control_directives


async def test_no_request_runs_through_the_two_base_http_middlewares(user: User) -> None:
    assert ui_run.RedirectWithPrefixMiddleware is plain_middleware.RedirectWithPrefix
    assert ui_run.SetCacheControlMiddleware is plain_middleware.SetCacheControl
    classes = [m.cls for m in core.app.user_middleware]
    assert plain_middleware.RedirectWithPrefix in classes and plain_middleware.SetCacheControl in classes
    slow = [c.__name__ for c in classes if isinstance(c, type) and issubclass(c, BaseHTTPMiddleware)]
    assert 'RedirectWithPrefixMiddleware' not in slow and 'SetCacheControlMiddleware' not in slow
