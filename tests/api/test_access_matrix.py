"""Role x route x ownership: every API route's answer for every kind of caller, and nothing written on a denial.

To add a route: add one `Row` to MATRIX (or its path to PUBLIC_ROUTES when it is meant to be public, or its page
to PAGES). test_every_route_is_in_the_matrix fails until you do. Placeholders in paths and bodies are filled
from the world built in `world()`: {machine} (A), {machine_b} (B), {log} (problem on A reported by `ctp`),
{notification} (ctp's), {token} (one of ctp's API tokens), {user} (the `peer` user), {category}, {unused_category}.
"""
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from nicegui import Client
from nicegui.testing import User
from sqlmodel import Session, SQLModel
from starlette.routing import BaseRoute, Mount

from app import api, auth
from app.models import ApiToken, Category, CTPMachine, CTPNotification, DisplayDevice, DisplayMachine, Role, utcnow
from app.models import User as UserRow
from app.services import photos
from components.page import STYLESHEET_URL
from tests.factories import actor, make_machine, make_user, report, seeded_category, tiny_jpeg

ROLES = ('admin', 'ctp', 'ctp_other', 'ctp_peer', 'manager', 'none', 'anonymous', 'display')
# admin | ctp: assigned to machine A, reported the problem | ctp_other: assigned to B only |
# ctp_peer: assigned to A, not the reporter | manager | none: role without access | anonymous |
# display: wall display of A


def every(status: int, **overrides: int) -> dict[str, int]:
    """One status for every signed-in person with access; `none` and wall displays 403 (a display reads its
    board and its photos, nothing else) and `anonymous` 401 unless overridden."""
    cells = dict.fromkeys(ROLES, status)
    cells.update(none=403, anonymous=401, display=403)
    cells.update(overrides)
    return cells


def admin_only(status: int) -> dict[str, int]:
    return every(403, admin=status)


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expect: dict[str, int]
    body: dict[str, Any] | None = None
    query: dict[str, Any] = field(default_factory=dict)
    files: bool = False  # send the body as multipart form fields with one small JPEG as `photo`
    note: str = ''  # tells apart rows of one route with different bodies


MATRIX: list[Row] = [
    Row('GET', '/api/auth/me', every(200)),
    Row('PUT', '/api/auth/me/language', every(200), {'language': 'de'}),
    Row('GET', '/api/auth/tokens', every(403)),  # tokens are managed from a session, never with a token
    Row('POST', '/api/auth/tokens', every(403), {'name': 'laptop', 'password': 'x'}),
    Row('DELETE', '/api/auth/tokens/{token}', every(403)),
    Row('GET', '/api/users/{user}/tokens', admin_only(200)),
    Row('DELETE', '/api/users/{user}/tokens/{token}', admin_only(404)),  # {token} is not {user}'s
    Row('GET', '/api/ctp-machines', every(200)),
    Row('GET', '/api/ctp-machines/{machine}', every(200, ctp_other=404)),
    Row('GET', '/api/ctp-machines/{machine}/stats', every(200, ctp_other=404, display=403)),
    Row('POST', '/api/ctp-machines', admin_only(201), {'name': 'Screen PlateRite 8600'}),
    Row('PUT', '/api/ctp-machines/{machine}', admin_only(200), {'nickname': 'Line 1'}),
    Row('GET', '/api/ctp-problem-logs', every(200)),
    Row('GET', '/api/ctp-problem-logs/{log}', every(200, ctp_other=404)),
    Row('POST', '/api/ctp-problem-logs', every(201, ctp_other=404, manager=403, display=403),
        {'machine_id': '{machine}', 'problem_description': 'Vacuum error', 'is_stopping': False}),
    Row('PUT', '/api/ctp-problem-logs/{log}', every(403, admin=200, ctp=200, ctp_other=404),
        {'problem_description': 'Plate jam in the autoloader'}),
    Row('DELETE', '/api/ctp-problem-logs/{log}', every(403, admin=204, ctp_other=404)),
    Row('GET', '/api/ctp-notifications', every(200)),
    Row('PUT', '/api/ctp-notifications/read-all', every(200)),
    Row('PUT', '/api/ctp-notifications/{notification}/read', every(404, ctp=200)),
    Row('GET', '/api/users', admin_only(200)),
    Row('POST', '/api/users', admin_only(201),
        {'username': 'newbie', 'name': 'New Operator', 'role': 'ctp_user', 'password': 'a long passphrase'}),
    Row('PUT', '/api/users/{user}', admin_only(200), {'name': 'Peer Renamed'}),
    Row('PUT', '/api/users/{user}/machines', admin_only(200), {'machine_ids': ['{machine_b}']}),
    Row('GET', '/api/categories', every(200)),
    Row('POST', '/api/categories', admin_only(201), {'name': 'Cooling'}),
    Row('PUT', '/api/categories/{category}', admin_only(200), {'name': 'Plate loading'}),
    Row('DELETE', '/api/categories/{unused_category}', admin_only(204)),
    Row('GET', '/api/operating-hours', every(200)),
    Row('PUT', '/api/operating-hours', admin_only(200),
        {'windows': [{'weekday': 0, 'start_minute': 360, 'end_minute': 1320}], 'closures': []}),
    Row('GET', '/api/exports/problem-logs.{fmt}', every(200)),
    Row('GET', '/api/exports/stats.{fmt}', every(200)),
    Row('GET', '/api/displays', admin_only(200)),
    Row('POST', '/api/displays', admin_only(201), {'name': 'Wall B'}),
    Row('POST', '/api/displays/{display}/pairing', admin_only(200)),
    Row('POST', '/api/displays/{display}/claim', admin_only(400), {'code': 'WXYZ-WXYZ'}),  # no screen shows it
    Row('PUT', '/api/displays/{display}', admin_only(200), {'machine_ids': None}),
    Row('PUT', '/api/displays/{display}/language', admin_only(200), {'language': 'de'}),
    Row('DELETE', '/api/displays/{display}', admin_only(204)),
    Row('GET', '/api/device-links', admin_only(200)),
    Row('POST', '/api/device-links', admin_only(201), {'machine_id': '{machine}', 'sender_id': 'Magnus-Q800-1'}),
    Row('DELETE', '/api/device-links/{missing}', admin_only(404)),
    Row('POST', '/api/device-links/{missing}/secret', admin_only(404)),  # rotate the secret (admin screen too)
    Row('GET', '/api/machine-stops', every(200)),
    Row('PUT', '/api/machine-stops/{missing}/reason', every(404, manager=403), {'note': 'plate jam'}),
    Row('GET', '/api/ctp-machines/{machine}/meters', every(200, ctp_other=404)),
    Row('GET', '/api/ctp-machines/{machine}/ledger', admin_only(200)),
    Row('GET', '/api/stats/machine-truth', every(200)),  # issue 21: KPIs gain truth
    Row('GET', '/api/jmf-subscriptions', admin_only(200)),  # issue 21: the subscriber
    Row('POST', '/api/jmf-subscriptions', admin_only(400),
        {'machine_id': '{machine}', 'url': 'http://not-allowed.example/jmf', 'sender_id': 'PRINERGY'}),
    Row('DELETE', '/api/jmf-subscriptions/{missing}', admin_only(404)),
    Row('POST', '/api/jmf-subscriptions/{missing}/renewal', admin_only(404)),  # "Renew now"
    Row('GET', '/api/ctp-machines/{machine}/signals', admin_only(200)),
    Row('GET', '/photos/{photo}', every(200, ctp_other=404, display=200)),
    Row('GET', '/photos/{photo}/thumb', every(200, ctp_other=404, display=200)),
    Row('POST', '/api/ctp-problem-logs/{log}/photos', every(403, admin=201, ctp=201, ctp_peer=201, ctp_other=404),
        {'kind': 'after'}, files=True),
    Row('DELETE', '/api/ctp-problem-logs/{log}/photos/{photo}', every(403, admin=204, ctp=204, ctp_other=404)),
    # Team work (DOMAIN.md §4): anyone assigned to the machine works the problem; the report stays the reporter's.
    Row('PUT', '/api/ctp-problem-logs/{log}', every(403, admin=200, ctp=200, ctp_peer=200, ctp_other=404),
        {'status': 'in_progress'}, note=' (take)'),
    Row('PUT', '/api/ctp-problem-logs/{log}', every(403, admin=200, ctp=200, ctp_peer=200, ctp_other=404),
        {'status': 'in_progress', 'owner_id': '{user}'}, note=' (hand over)'),
    Row('PUT', '/api/ctp-problem-logs/{log}', every(403, admin=200, ctp=200, ctp_peer=200, ctp_other=404),
        {'status': 'completed', 'solution': 'Cleared the jam', 'resolved_by': 'operator'}, note=' (complete)'),
    Row('PUT', '/api/ctp-problem-logs/{log}', every(403, admin=200, ctp=200, ctp_peer=200, ctp_other=404),
        {'vendor_called_at': '{vendor_called_at}', 'vendor_ticket': 'K-1234'}, note=' (vendor)'),
    Row('PUT', '/api/ctp-problem-logs/{log}', every(403, admin=200, ctp=200, ctp_other=404),
        {'status': 'cancelled', 'reason': 'double report'}, note=' (cancel)'),
    Row('POST', '/api/ctp-problem-logs/{log}/undo', every(403, ctp=200, ctp_other=404)),
    Row('GET', '/api/ctp-problem-logs/{log}/comments', every(200, ctp_other=404)),
    Row('POST', '/api/ctp-problem-logs/{log}/comments', every(403, admin=201, ctp=201, ctp_peer=201, ctp_other=404),
        {'body': 'Ordered a new pick-up belt'}),
    # Preventive maintenance (issue 22): CTP users do the tasks of their machines, managers read, admins plan.
    Row('GET', '/api/maintenance/due', every(200)),
    Row('GET', '/api/maintenance/history', every(200, ctp_other=404), query={'machine_id': '{machine}'}),
    Row('GET', '/api/maintenance/tasks', every(200, ctp_other=404), query={'machine_id': '{machine}'}),
    Row('POST', '/api/maintenance/tasks', admin_only(201),
        {'machine_id': '{machine}', 'title': 'Clean optics', 'every_n': 1, 'every_unit': 'week'}),
    Row('PUT', '/api/maintenance/tasks/{missing}', admin_only(404),
        {'machine_id': '{machine}', 'title': 'Clean optics', 'every_n': 1, 'every_unit': 'week'}),
    Row('DELETE', '/api/maintenance/tasks/{missing}', admin_only(404)),
    Row('GET', '/api/maintenance/orders/{missing}', every(404)),
    Row('POST', '/api/maintenance/orders/{missing}/start', every(404, manager=403)),
    Row('PUT', '/api/maintenance/orders/{missing}/readings', every(404, manager=403), {'step_id': 1, 'value': 80}),
    Row('POST', '/api/maintenance/orders/{missing}/complete', every(404, manager=403), {'note': ''}),
    Row('POST', '/api/maintenance/orders/{missing}/skip', every(404, manager=403), {'reason': 'no chemistry'}),
    Row('GET', '/api/maintenance/figures', every(200),
        query={'start': '2026-01-01T00:00:00+00:00', 'end': '2026-02-01T00:00:00+00:00'}),
    Row('POST', '/api/maintenance/calendar', every(201)),
    Row('DELETE', '/api/maintenance/calendar', every(204)),
    Row('POST', '/api/maintenance/starting-plan', admin_only(201), {'machine_id': '{machine}'}),
    Row('POST', '/api/maintenance/copy-plan', admin_only(201), {'from_machine_id': '{machine}'}),
    # Outbound alerts (issue 23): channels, roster, rules and the outbox are admins'; subscriptions are one's own.
    Row('GET', '/api/alert-channels', every(200)),
    Row('POST', '/api/alert-channels', admin_only(201),
        {'name': 'Shift mailbox', 'kind': 'email', 'target': 'shift@plant.example'}),
    Row('PUT', '/api/alert-channels/{missing}', admin_only(404),
        {'name': 'Shift mailbox', 'kind': 'email', 'target': 'shift@plant.example'}),
    Row('DELETE', '/api/alert-channels/{missing}', admin_only(404)),
    Row('GET', '/api/alert-subscriptions', every(200)),
    Row('POST', '/api/alert-subscriptions', every(201), {'channel_kind': 'email', 'address': 'me@plant.example'}),
    Row('PUT', '/api/alert-subscriptions/{missing}', every(404),
        {'channel_kind': 'email', 'address': 'me@plant.example'}),
    Row('DELETE', '/api/alert-subscriptions/{missing}', every(404)),
    Row('GET', '/api/alert-roster', admin_only(200)),
    Row('PUT', '/api/alert-roster', admin_only(200),
        {'shifts': [{'name': 'Night', 'weekday': 0, 'start_minute': 1320, 'end_minute': 360}]}),
    Row('GET', '/api/escalation-rules', admin_only(200)),
    Row('POST', '/api/escalation-rules', admin_only(201),
        {'kind': 'not_acknowledged', 'minutes': 60, 'target': 'admins'}),
    Row('PUT', '/api/escalation-rules/{missing}', admin_only(404),
        {'kind': 'not_acknowledged', 'minutes': 60, 'target': 'admins'}),
    Row('DELETE', '/api/escalation-rules/{missing}', admin_only(404)),
    Row('GET', '/api/alert-outbox', admin_only(200)),
    Row('POST', '/api/alert-outbox/{missing}/retry', admin_only(404)),
]

# Public on purpose: signing in and out (throttled and CSRF-checked; tests/api/test_auth*.py).
PUBLIC_ROUTES = {('POST', '/api/auth/login'), ('POST', '/api/auth/logout'), ('GET', '/login/complete'),
                 ('GET', '/display/pair'),  # a one-time pairing code is the credential (tests/pages/test_display.py)
                 ('POST', '/api/jmf/{secret}'), ('POST', '/api/jmf'),  # a device link's secret (tests/api/test_jmf_*)
                 ('GET', '/healthz'), ('GET', '/metrics'),  # operations (tests/api/test_ops.py)
                 ('GET', '/api/openapi.json'), ('GET', '/api/docs'),
                 ('GET', '/api/docs/assets/{name}')}  # the API's description, no data
PUBLIC_ROUTES |= {('POST', '/sign-out')}  # the sign-out form, same-origin only (tests/pages/test_sign_out.py)
PUBLIC_ROUTES |= {('GET', '/api/maintenance/calendar/{token}.ics')}  # its secret (tests/api/test_maintenance.py)
PUBLIC_ROUTES |= {('GET', STYLESHEET_URL)}  # the screens' CSS, no data (tests/pages/test_styles.py)

# Pages: the anonymous visitor is sent to /login, `none` to /no-access (tests/pages/test_login*.py),
# admin pages refuse everyone but admins (tests/pages/test_admin*.py).
PAGES = {'/': 'signed in', '/login': 'public', '/logout': 'public', '/no-access': 'public',
         '/profile': 'signed in', '/admin': 'admin', '/admin/users': 'admin', '/admin/machines': 'admin',
         '/admin/taxonomy': 'admin', '/admin/calendar': 'admin', '/admin/displays': 'admin',
         '/display': 'display cookie or signed in', '/statistics': 'stats, scoped', '/labels': 'signed in',
         '/reports/monthly/{machine_id:id}': 'signed in, scoped', '/machines/{machine_id:id}': 'signed in, scoped',
         '/machines/{machine_id:id}/report': 'may report, scoped', '/m/{machine_id:id}/report': 'may report, scoped',
         '/problem-logs/{log_id:id}': 'signed in, scoped', '/notifications': 'signed in',
         '/problems': 'signed in, scoped'}
PAGES |= {'/maintenance': 'signed in, scoped', '/maintenance/{order_id:id}': 'signed in, scoped'}  # issue 22
PAGES |= {'/machine-stops': 'signed in, scoped'}  # issue 21: stops waiting for a reason
PAGES |= {'/admin/alerts': 'admin'}  # outbound alerts (issue 23; tests/pages/test_alerts_pages.py)

# A role's allowed call runs in a world of its own (it may change it); the denials of one row share one world, since
# a denial must change nothing (checked after each).
CELLS = [pytest.param(row, role, id=f'{row.method} {row.path}{row.note} as {role}')
         for row in MATRIX for role in ROLES if row.expect[role] < 400]
DENIALS = [pytest.param(row, id=f'{row.method} {row.path}{row.note}') for row in MATRIX
           if any(status >= 400 for status in row.expect.values())]


@pytest.fixture(scope='module')
def api_app() -> FastAPI:
    """The REST adapter alone; callers authenticate with bearer tokens (displays through request.state)."""
    app = FastAPI()
    api.install(app)

    @app.middleware('http')
    async def display_state(request: Request, call_next: Callable[..., Any]) -> Any:
        request.state.display_id = int(request.headers['x-test-display']) if 'x-test-display' in request.headers \
            else None
        return await call_next(request)
    return app


def world(session: Session) -> dict[str, Any]:
    """Two machines, six people with tokens, a display, a problem, a notification, categories."""
    a, b = make_machine(session, 'Kodak Magnus Q800'), make_machine(session, 'Agfa Avalon N8-90')
    people = {'admin': make_user(session, 'boss', Role.ADMIN), 'ctp': make_user(session, 'tech1', machines=[a.id]),
              'ctp_other': make_user(session, 'tech2', machines=[b.id]),
              'ctp_peer': make_user(session, 'tech3', machines=[a.id]),
              'manager': make_user(session, 'manager', Role.MANAGER), 'none': make_user(session, 'visitor', Role.NONE)}
    log_id = report(session, people['ctp'], a, description='Plate jam')
    category = seeded_category(session, 'Plate loading / autoloader')
    unused = Category(name='Unused subsystem')
    display = DisplayDevice(name='Wall A', all_machines=False)
    session.add_all([unused, display])
    session.flush()
    session.add(DisplayMachine(display_id=display.id, machine_id=a.id))  # type: ignore[arg-type]
    note = CTPNotification(user_id=people['ctp'].id, machine_id=a.id, log_id=log_id,  # type: ignore[arg-type]
                           notification_type='problem_created', message='Plate jam on Kodak')
    spare = ApiToken(user_id=people['ctp'].id, name='spare', token_hash=auth.token_digest('spare-token'))  # type: ignore[arg-type]
    session.add_all([note, spare])
    photo = photos.attach_photos(session, actor=actor(people['ctp']), log_id=log_id,
                                 prepared=[photos.prepare_photo(tiny_jpeg(), 'jam.jpg')])[0]
    for role, person in people.items():
        session.add(ApiToken(user_id=person.id, name='matrix', token_hash=auth.token_digest(f'token-{role}'),  # type: ignore[arg-type]
                             last_used_at=utcnow()))
    session.commit()
    return {'machine': a.id, 'machine_b': b.id, 'log': log_id, 'notification': note.id, 'token': spare.id,
            'user': people['ctp_peer'].id, 'category': category.id, 'unused_category': unused.id,
            'display': display.id, 'ctp_other_user': people['ctp_other'].id, 'photo': photo.id, 'fmt': 'csv',
            'missing': 999999,  # an id nothing has: for routes whose rows this world does not build
            'vendor_called_at': utcnow().isoformat()}


def fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith('{') and value.endswith('}') and value[1:-1] in ids:
        return ids[value[1:-1]]
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


def credentials(role: str, ids: dict[str, Any]) -> dict[str, str]:
    if role == 'anonymous':
        return {}
    if role == 'display':
        return {'x-test-display': str(ids['display'])}
    return {'Authorization': f'Bearer token-{role}'}


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    session.expire_all()
    result = {}
    for table in SQLModel.metadata.sorted_tables:
        rows = session.execute(table.select()).all()
        result[table.name] = sorted((tuple(row) for row in rows), key=repr)
    session.rollback()  # end the read transaction: on SQLite it holds the write lock
    return result


async def call(api_app: FastAPI, row: Row, role: str, ids: dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(api_app), base_url='http://test') as client:
        body = fill(row.body, ids)
        payload: dict[str, Any] = {'data': body, 'files': {'photo': ('p.jpg', tiny_jpeg(), 'image/jpeg')}} \
            if row.files else {'json': body}
        return await client.request(row.method, fill(row.path, ids), params=fill(row.query, ids),
                                    headers=credentials(role, ids), **payload)


@pytest.mark.parametrize(('row', 'role'), CELLS)
async def test_cell(api_app: FastAPI, session: Session, row: Row, role: str) -> None:
    ids = world(session)
    response = await call(api_app, row, role, ids)
    assert response.status_code == row.expect[role], response.text


@pytest.mark.parametrize('row', DENIALS)
async def test_denials_change_nothing(api_app: FastAPI, session: Session, row: Row) -> None:
    ids = world(session)
    before = snapshot(session)
    wrong = []
    for role in [role for role in ROLES if row.expect[role] >= 400]:
        response = await call(api_app, row, role, ids)
        if response.status_code != row.expect[role]:
            wrong.append(f'as {role}: {response.status_code} (expected {row.expect[role]}): {response.text[:200]}')
        elif snapshot(session) != before:
            wrong.append(f'as {role}: the denied request changed the database')
        elif not response.json()['error']['message']:
            wrong.append(f'as {role}: the denial has no message')
    assert not wrong, '\n'.join(wrong)


def test_every_matrix_row_has_every_role() -> None:
    assert all(set(row.expect) == set(ROLES) for row in MATRIX)
    assert len({(row.method, row.path, row.note) for row in MATRIX}) == len(MATRIX)


async def test_every_route_is_in_the_matrix(user: User) -> None:
    """Walk the real application (main.py): each route is in MATRIX, PUBLIC_ROUTES, PAGES or NiceGUI's own."""
    from nicegui import app as nicegui_app
    assert uncovered(nicegui_app.routes) == [], 'add these routes to MATRIX (or PUBLIC_ROUTES)'
    pages = set(Client.page_routes.values())
    assert pages <= set(PAGES), f'pages missing from PAGES: {sorted(pages - set(PAGES))}'
    existing = {(m, shape(p)) for m, p, _ in flatten(nicegui_app.routes)}
    assert {(row.method, shape(row.path)) for row in MATRIX} <= existing, 'MATRIX names a route that does not exist'


async def test_a_new_route_is_caught(user: User) -> None:
    from fastapi import APIRouter
    from nicegui import app as nicegui_app
    router = APIRouter(prefix='/api/secrets')
    router.add_api_route('/{secret_id}', lambda secret_id: secret_id, methods=['GET', 'DELETE'])
    nicegui_app.include_router(router)
    assert uncovered(nicegui_app.routes) == ['DELETE /api/secrets/{secret_id}', 'GET /api/secrets/{secret_id}']


def uncovered(routes: list[BaseRoute]) -> list[str]:
    covered = {(row.method, shape(row.path)) for row in MATRIX} | {(m, shape(p)) for m, p in PUBLIC_ROUTES}
    pages = set(Client.page_routes.values())
    return sorted(f'{method} {path}' for method, path, route in flatten(routes)
                  if not (isinstance(route, Mount) or path.startswith('/_nicegui') or path in pages or path in PAGES
                          or path in NICEGUI_ROUTES or (method, shape(path)) in covered))


NICEGUI_ROUTES = {'/favicon.ico'}  # served by NiceGUI itself


def flatten(routes: list[BaseRoute], prefix: str = '') -> Iterator[tuple[str, str, BaseRoute]]:
    """(method, full path, route) of every route, looking into included routers (FastAPI >= 0.130 nests them)."""
    for route in routes:
        inner = getattr(route, 'original_router', None)
        if inner is not None:
            yield from flatten(inner.routes, prefix + route.include_context.prefix)  # type: ignore[attr-defined]
            continue
        methods = getattr(route, 'methods', None) or {'GET'}
        for method in sorted(methods - {'HEAD', 'OPTIONS'}):
            yield method, prefix + str(getattr(route, 'path', '')), route


def shape(path: str) -> str:
    """A path with every {parameter} made anonymous, so /x/{machine} matches the route /x/{machine_id}."""
    return re.sub(r'\{[^}]+\}', '{}', path)


async def test_lists_hold_only_the_callers_scope(api_app: FastAPI, session: Session) -> None:
    ids = world(session)
    b_problem = report(session, session.get(UserRow, ids['ctp_other_user']), session.get(CTPMachine, ids['machine_b']))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(api_app), base_url='http://test') as client:
        async def get(path: str, role: str) -> Any:
            return (await client.get(path, headers=credentials(role, ids))).json()
        assert [m['id'] for m in await get('/api/ctp-machines', 'ctp')] == [ids['machine']]
        assert [m['id'] for m in await get('/api/ctp-machines', 'ctp_other')] == [ids['machine_b']]
        assert {m['id'] for m in await get('/api/ctp-machines', 'manager')} == {ids['machine'], ids['machine_b']}
        assert [p['id'] for p in (await get('/api/ctp-problem-logs', 'ctp'))['items']] == [ids['log']]
        assert [p['id'] for p in (await get('/api/ctp-problem-logs', 'ctp_other'))['items']] == [b_problem]
        assert (await get(f'/api/ctp-problem-logs?machine_id={ids["machine_b"]}', 'ctp'))['items'] == []
        assert [n['id'] for n in (await get('/api/ctp-notifications?all=true', 'ctp'))['items']] == \
            [ids['notification']]
        assert {n['machine_id'] for n in (await get('/api/ctp-notifications?all=true', 'ctp_other'))['items']} \
            <= {ids['machine_b']}
