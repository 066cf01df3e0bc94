"""API test fixtures: the whole app (main.py, NiceGUI's middleware stack) behind an httpx client."""
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from nicegui.testing.user_simulation import user_simulation

from app import auth
from app.db import session_scope
from app.models import ApiToken, CTPMachine, Role, User
from tests.conftest import ADMIN_PASSWORD
from tests.factories import PASSWORD, make_machine, make_user

MAIN = Path(__file__).resolve().parents[2] / 'main.py'


@dataclass
class Plant:
    """Known data: two machines, an admin, a CTP user on the first machine only, a manager."""

    press1: CTPMachine
    press2: CTPMachine
    admin: User
    tech: User
    manager: User


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """An anonymous client of the full app (no ERROR-log check: the 500 tests log on purpose)."""
    async with user_simulation(main_file=MAIN) as user:
        user.http_client.headers['X-CTP-Request'] = '1'  # cookie writes need it (SECURITY.md C1)
        yield user.http_client


@pytest.fixture
def plant() -> Plant:
    with session_scope() as session:
        press1 = make_machine(session, 'Kodak Magnus Q800')
        press2 = make_machine(session, 'Agfa Avalon N8-90')
        admin = session.get(User, 1) or make_user(session, 'boss', Role.ADMIN)
        tech = make_user(session, 'tech1', Role.CTP_USER, [press1.id])  # type: ignore[list-item]
        manager = make_user(session, 'manager1', Role.MANAGER)
        return Plant(press1, press2, admin, tech, manager)


def token_for(user: User) -> dict[str, str]:
    """Authorization headers with a fresh API token of `user`."""
    token = auth.new_token()
    with session_scope() as session:
        session.add(ApiToken(user_id=user.id, name='test', token_hash=auth.token_digest(token)))  # type: ignore[arg-type]
        session.commit()
    return {'Authorization': f'Bearer {token}'}


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> None:
    response = await client.post('/api/auth/login', json={'username': username, 'password': password})
    assert response.status_code == 200, response.text


async def login_admin(client: httpx.AsyncClient) -> None:
    await login(client, 'admin', ADMIN_PASSWORD)
