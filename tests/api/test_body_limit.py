"""One body limit for every route, counted on the bytes received (issue 18): 413 with the error contract before
the route or its authentication reads the rest, for declared and for chunked bodies alike."""
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.conftest import Plant, login

CHUNK = 64 * 1024


class Stream:
    """A chunked body (no Content-Length) that counts how much of it the server pulled."""

    def __init__(self, total: int) -> None:
        self.total, self.sent = total, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.total:
            self.sent += CHUNK
            yield b'{' + b' ' * (CHUNK - 1)


def _is_413(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    body = response.json()
    assert body['error']['code'] == 'payload_too_large' and body['request_id']


@pytest.mark.parametrize(('method', 'path'), [('POST', '/api/users'), ('POST', '/api/auth/login'),
                                              ('PUT', '/api/ctp-problem-logs/1'), ('POST', '/api/ctp-machines'),
                                              ('POST', '/api/auth/tokens')])
async def test_a_chunked_body_is_cut_off_at_64_kb_for_anyone(client: httpx.AsyncClient, method: str,
                                                              path: str) -> None:
    stream = Stream(30 * 1024 * 1024)
    response = await client.request(method, path, content=stream, headers={'content-type': 'application/json'})
    _is_413(response)
    assert stream.sent <= 2 * CHUNK, f'the server read {stream.sent} bytes'


async def test_a_declared_large_body_is_refused_before_reading(client: httpx.AsyncClient) -> None:
    password = 'x' * (50 * 1024 * 1024)
    _is_413(await client.post('/api/auth/login', json={'username': 'admin', 'password': password}))


async def test_signed_in_writes_have_the_same_limit(client: httpx.AsyncClient, plant: Plant) -> None:
    await login(client, 'tech1')
    stream = Stream(30 * 1024 * 1024)
    response = await client.put('/api/ctp-problem-logs/1', content=stream, headers={'content-type': 'application/json'})
    _is_413(response)
    assert stream.sent <= 2 * CHUNK
    small = await client.post('/api/ctp-problem-logs', json={'machine_id': plant.press1.id,
                                                             'problem_description': 'x' * 1000})
    assert small.status_code == 201
