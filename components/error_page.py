"""The page shown when a page fails unexpectedly: a request id to quote, never the exception's text (issue 18)."""
import logging

from fastapi import FastAPI, Request
from nicegui import Client
from nicegui.error import error_content
from nicegui.page import page
from starlette.responses import Response

from components.page import link_stylesheet

logger = logging.getLogger(__name__)


def install(app: FastAPI) -> None:
    """Replace NiceGUI's 500 page (which prints `OverflowError: ...` to whoever asked) with ours."""
    app.add_exception_handler(Exception, _server_error)


async def _server_error(request: Request, exception: Exception) -> Response:
    if not request.scope.get('nicegui_page_path'):
        raise exception  # not a page: the API's own middleware or Starlette answers
    rid = getattr(request.state, 'request_id', None) or '-'
    logger.error('unexpected error on page %s (request %s)', request.url.path, rid, exc_info=exception)
    with Client(page(''), request=request) as client:
        link_stylesheet()
        error_content(500, f'Something went wrong on our side. If it happens again, quote request {rid}.')
    return client.build_response(request, 500)
