"""An unpaired wall screen shows a code; an admin enters it; the same open screen becomes the board (issue 26)."""
import asyncio

import pytest
from nicegui import ElementFilter
from nicegui.testing import User

from app.db import session_scope
from app.models import Role
from app.services import display_claims, displays
from tests.factories import PASSWORD, actor, make_machine, make_user
from tests.pages import signin
from tests.pages.test_display import LIVE, pair, register

pytestmark = pytest.mark.dates


async def _screen_code(user: User) -> str:
    for _ in range(LIVE * 10):
        with user:
            texts = [e.text for e in ElementFilter(kind=None, marker='screen-code')]  # type: ignore[attr-defined]
        if texts and '-' in texts[0] and '·' not in texts[0]:
            return str(texts[0])
        await asyncio.sleep(0.1)
    raise AssertionError('the unpaired screen shows no code')


async def test_an_unpaired_screen_pairs_itself_when_an_admin_enters_its_code(user: User) -> None:
    display_claims.forget_failures()
    with session_scope() as session:
        make_machine(session, 'Kodak Magnus Q800', nickname='Magnus')
    display_id, _ = register()
    await user.open('/display')
    await user.should_see('This screen is not paired', retries=LIVE)
    code = await _screen_code(user)
    with session_scope() as session:
        admin = make_user(session, 'admin2', Role.ADMIN)
        display_claims.claim(session, actor=actor(admin), display_id=display_id, code=code)
    await user.should_see('Magnus', retries=LIVE * 10)  # nobody touched the screen
    await user.should_not_see('This screen is not paired')


async def test_a_revoked_board_shows_a_code_and_comes_back_when_it_is_entered(user: User) -> None:
    display_claims.forget_failures()
    with session_scope() as session:
        make_machine(session, 'Kodak Magnus Q800', nickname='Magnus')
        admin = actor(make_user(session, 'admin2', Role.ADMIN))
    display_id, pairing = register()
    await pair(user, pairing)
    await user.open('/display')
    await user.should_see('Magnus', retries=LIVE)
    with session_scope() as session:
        displays.revoke_display(session, actor=admin, display_id=display_id)
    await user.should_see('This screen is not paired', retries=LIVE)
    code = await _screen_code(user)
    with session_scope() as session:
        display_claims.claim(session, actor=admin, display_id=display_id, code=code)
    await user.should_see('Magnus', retries=LIVE * 10)
    await user.should_not_see('This screen is not paired')


async def test_the_admin_pairs_a_screen_by_its_code_on_the_displays_screen(user: User) -> None:
    display_claims.forget_failures()
    display_id, _ = register()  # the admin 'boss'
    with session_scope() as session:
        code, secret = display_claims.start_claim(session)
    await signin.sign_in(user, 'boss', PASSWORD, then='/admin/displays')
    await user.should_see(marker=f'claim-{display_id}', retries=LIVE)
    user.find(marker=f'claim-code-{display_id}').type('WXYZ WXYZ')
    user.find(marker=f'claim-{display_id}').click()
    await user.should_see('no screen shows this code', retries=LIVE)
    user.find(marker=f'claim-code-{display_id}').clear().type(code.lower())
    user.find(marker=f'claim-{display_id}').click()
    await user.should_see(f'The screen showing {code} is now Plate room wall', retries=LIVE)
    with session_scope() as session:
        assert display_claims.collect(session, secret) is not None
