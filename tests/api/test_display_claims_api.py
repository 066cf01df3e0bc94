"""POST /api/displays/{id}/claim: an admin pairs the screen that shows a code (issue 26)."""
import httpx

from app.db import session_scope
from app.services import display_claims, displays
from tests.conftest import ADMIN_PASSWORD, api_login


async def test_an_admin_claims_a_screen_by_its_code(api_client: httpx.AsyncClient) -> None:
    assert (await api_login(api_client, 'admin', ADMIN_PASSWORD)).status_code == 200
    display_claims.forget_failures()
    created = await api_client.post('/api/displays', json={'name': 'Wall B'})
    display_id = created.json()['display']['id']
    with session_scope() as session:
        code, secret = display_claims.start_claim(session)
    wrong = await api_client.post(f'/api/displays/{display_id}/claim', json={'code': 'WXYZ-WXYZ'})
    assert wrong.status_code == 400 and 'no screen shows this code' in wrong.text
    claimed = await api_client.post(f'/api/displays/{display_id}/claim', json={'code': code.lower()})
    assert claimed.status_code == 200 and claimed.json()['name'] == 'Wall B'
    with session_scope() as session:
        pair_code = display_claims.collect(session, secret)
        assert pair_code is not None
        assert displays.actor_for_token(session, displays.pair(session, code=pair_code)) is not None
    display_claims.forget_failures()
