"""The API's own OpenAPI document at /api/openapi.json and Swagger UI at /api/docs (NiceGUI's routes left out).

FastAPI's generated schema is adjusted to the error contract: 400 instead of 422, the error body on every
error answer, and the auth schemes (session cookie from /api/auth/login, or a Bearer API token)."""
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.requests import Request

from app.api.deps import caller, current_actor
from app.api.errors import API_PREFIX, CODES, ErrorBody
from app.api.routes import report_form
from app.config import get_settings
from app.errors import NotFound
from app.i18n import N_
from app.models.schemas import ProblemLogCreate

OPENAPI_URL = '/api/openapi.json'
DOCS_URL = '/api/docs'
ASSETS_URL = '/api/docs/assets'  # Swagger UI from the fastapi-offline package, not a CDN: plants are often offline
DOCS_ASSETS = {'swagger-ui-bundle.js': 'text/javascript', 'swagger-ui.css': 'text/css', 'favicon.png': 'image/png'}
READ_ERRORS = (400, 401, 403, 404, 500)
WRITE_ERRORS = (*READ_ERRORS, 409, 413, 415)
WRITE_FORBIDDEN = 'forbidden; also a session-cookie write without "X-CTP-Request: 1" or from another site'
DESCRIPTION = (
    'Machines, problem logs and notifications of CTP Log. Errors answer '
    '{"error": {"code", "message", "fields"}, "request_id"}.\n\n'
    '**Authentication.** Either a personal API token (`Authorization: Bearer <token>`, created under Profile) or '
    'the session cookie that `POST /api/auth/login` sets.\n\n'
    '**Writes with the session cookie** (POST, PUT, DELETE, including `POST /api/auth/login` itself) must send '
    'the header `X-CTP-Request: 1` and must not come from another site (`Origin`/`Sec-Fetch-Site`); otherwise '
    'the answer is 403. Requests with a Bearer token need neither.\n\n'
    '**Bodies** are `application/json`; only the photo-carrying routes (`POST /api/ctp-problem-logs`, '
    '`POST /api/ctp-problem-logs/{log_id}/photos`) also take `multipart/form-data`. Any other body is a 415.')
COOKIE_WRITES = 'the cookie set by POST /api/auth/login; writes with it need the header X-CTP-Request: 1'


def security_schemes(cookie_name: str) -> dict[str, Any]:
    return {'bearerToken': {'type': 'http', 'scheme': 'bearer', 'description': 'a personal API token'},
            'sessionCookie': {'type': 'apiKey', 'in': 'cookie', 'name': cookie_name, 'description': COOKIE_WRITES}}


def _api_routes(app: FastAPI) -> list[RouteContext]:
    return [ctx for ctx in iter_route_contexts(app.routes)
            if isinstance(ctx.original_route, APIRoute) and (ctx.path or '').startswith(API_PREFIX)
            and ctx.original_route.include_in_schema]


def _needs_actor(route: RouteContext) -> bool:
    assert isinstance(route.original_route, APIRoute)
    stack = list(route.original_route.dependant.dependencies)
    while stack:
        dependant = stack.pop()
        if dependant.call in (current_actor, caller):
            return True
        stack.extend(dependant.dependencies)
    return False


def build_schema(app: FastAPI) -> dict[str, Any]:
    """The schema of the /api/ routes only, with the error contract of the design."""
    routes = _api_routes(app)
    schema = get_openapi(title='CTP Log API', version='1.0.0', routes=routes, description=DESCRIPTION)
    components = schema.setdefault('components', {})
    schemas = components.setdefault('schemas', {})
    for name in ('HTTPValidationError', 'ValidationError'):
        schemas.pop(name, None)
    schemas.update(_model_schemas())
    components['securitySchemes'] = security_schemes(get_settings().session_cookie_name)
    secured = {(method.lower(), route.path_format) for route in routes if _needs_actor(route)
               for method in route.methods or ()}
    for path, operations in schema.get('paths', {}).items():
        for method, operation in operations.items():
            _errors(operation, READ_ERRORS if method == 'get' else WRITE_ERRORS)
            if method != 'get':
                operation['responses']['403']['description'] = WRITE_FORBIDDEN
            if (method, path) in secured:
                operation['security'] = [{'bearerToken': []}, {'sessionCookie': []}]
    return schema


def _model_schemas() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for model in (ErrorBody, ProblemLogCreate):
        found = model.model_json_schema(ref_template='#/components/schemas/{model}')
        out.update(found.pop('$defs', {}))
        out[model.__name__] = found
    out['ProblemLogCreateForm'] = report_form.form_schema()
    return out


def _errors(operation: dict[str, Any], codes: tuple[int, ...]) -> None:
    responses = operation.setdefault('responses', {})
    responses.pop('422', None)
    for code in codes:
        responses.setdefault(str(code), {
            'description': CODES[code].replace('_', ' '),
            'content': {'application/json': {'schema': {'$ref': '#/components/schemas/ErrorBody'}}}})


def install(app: FastAPI) -> None:
    """Serve the schema (built once, on first request) and the interactive docs."""
    cache: dict[str, Any] = {}

    async def openapi_json(_: Request) -> JSONResponse:
        if 'schema' not in cache:
            cache['schema'] = build_schema(app)
        return JSONResponse(cache['schema'])

    async def docs(_: Request) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=OPENAPI_URL, title='CTP Log API',
                                   swagger_js_url=f'{ASSETS_URL}/swagger-ui-bundle.js',
                                   swagger_css_url=f'{ASSETS_URL}/swagger-ui.css',
                                   swagger_favicon_url=f'{ASSETS_URL}/favicon.png')

    async def asset(request: Request) -> Response:
        name = request.path_params['name']
        if name not in DOCS_ASSETS:
            raise NotFound(N_('no such file'))
        return FileResponse(Path(str(files('fastapi_offline') / 'static' / name)), media_type=DOCS_ASSETS[name],
                            headers={'Cache-Control': 'public, max-age=86400'})

    app.add_api_route(OPENAPI_URL, openapi_json, methods=['GET'], include_in_schema=False)
    app.add_api_route(DOCS_URL, docs, methods=['GET'], include_in_schema=False)
    app.add_api_route(ASSETS_URL + '/{name}', asset, methods=['GET'], include_in_schema=False)
