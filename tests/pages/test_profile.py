"""/profile with NiceGUI's simulated user: change one's own password, create and revoke API tokens."""
from nicegui.testing import User
from sqlmodel import select

from app import auth
from app.db import session_scope
from app.models import ApiToken
from app.models import User as UserRow
from tests.factories import PASSWORD, make_user
from tests.pages.signin import sign_in


async def test_a_user_changes_their_password(user: User) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
    await sign_in(user, 'tech1', PASSWORD, '/login?redirect_to=/profile')
    user.find('Current password').type('not-my-password')
    user.find('New password').type('a brand new passphrase')
    user.find('Change password').click()
    await user.should_see('The current password is not right', retries=30)
    user.find('Current password').clear().type(PASSWORD)
    user.find('Change password').click()
    await user.should_see('Password changed', retries=30)
    with session_scope() as session:
        stored = session.exec(select(UserRow).where(UserRow.username == 'tech1')).one().password_hash
    assert auth.verify_password(stored, 'a brand new passphrase')


async def test_a_user_creates_and_revokes_a_token(user: User) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
    await sign_in(user, 'tech1', PASSWORD, '/login?redirect_to=/profile')
    await user.should_see('No API tokens.')
    user.find('Token name').type('laptop script')
    user.find('Create token').click()
    await user.should_see('Copy this token now', retries=30)
    secret = user.find(marker='new-token').elements.pop().text  # type: ignore[attr-defined]
    with session_scope() as session:
        row = session.exec(select(ApiToken)).one()
    assert row.token_hash == auth.token_digest(secret) and row.name == 'laptop script'
    user.find('Revoke').click()
    await user.should_see("Token 'laptop script' revoked", retries=30)
    with session_scope() as session:
        assert session.exec(select(ApiToken)).one().revoked_at is not None
