"""Exports are capped (issue 18): more rows than CTP_EXPORT_MAX_ROWS is a 400 in the user's words, decided on the
first page read, before any file is built."""
from datetime import timedelta

import pytest
from nicegui.testing import User

from app.config import get_settings
from app.db import session_scope
from app.models import Role, utcnow
from app.services import exports, problem_queries
from tests.factories import PASSWORD, make_machine, make_user, report


@pytest.fixture
async def three_problems(user: User) -> User:
    with session_scope() as session:
        machine = make_machine(session, 'Magnus')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
        for hours in (30, 20, 10):
            report(session, tech, machine, start=utcnow() - timedelta(hours=hours))
    response = await user.http_client.post('/api/auth/login', json={'username': 'tech1', 'password': PASSWORD})
    assert response.status_code == 200
    return user


def cap(monkeypatch: pytest.MonkeyPatch, rows: int) -> None:
    monkeypatch.setenv('CTP_EXPORT_MAX_ROWS', str(rows))
    get_settings.cache_clear()


@pytest.mark.parametrize('fmt', ['csv', 'xlsx'])
async def test_an_export_over_the_cap_is_refused_before_a_file_is_built(
        three_problems: User, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    cap(monkeypatch, 2)
    monkeypatch.setattr(exports, 'PAGE', 1)
    pages: list[int] = []
    original = problem_queries.list_problems

    def counting(*args: object, **kwargs: object) -> object:
        pages.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]
    monkeypatch.setattr(problem_queries, 'list_problems', counting)
    built: list[str] = []
    monkeypatch.setattr(exports, 'to_xlsx', lambda *a: built.append('xlsx') or b'')
    monkeypatch.setattr(exports, 'to_csv', lambda *a: built.append('csv') or b'')
    response = await three_problems.http_client.get(f'/api/exports/problem-logs.{fmt}')
    assert response.status_code == 400
    error = response.json()['error']
    assert error['message'] == 'this export has 3 rows: narrow the date range or the filters, at most 2 rows per export'
    assert pages == [1] and built == []


async def test_an_export_within_the_cap_is_whole(three_problems: User, monkeypatch: pytest.MonkeyPatch) -> None:
    cap(monkeypatch, 3)
    monkeypatch.setattr(exports, 'PAGE', 2)
    response = await three_problems.http_client.get('/api/exports/problem-logs.csv')
    assert response.status_code == 200
    assert len(response.content.decode('utf-8-sig').strip().splitlines()) == 4  # the header and 3 problems


def test_the_cap_defaults_to_100000_rows() -> None:
    assert get_settings().export_max_rows == 100_000
