"""Signing out is a same-origin POST (issue 18): a link or a cross-site form cannot sign anyone out."""
from nicegui.testing import User

from tests.conftest import ADMIN_PASSWORD
from tests.pages.signin import WAIT, sign_in


async def _signed_in(user: User) -> bool:
    return (await user.http_client.get('/api/auth/me')).status_code == 200


async def test_a_link_to_logout_does_not_sign_out(user: User) -> None:
    await sign_in(user, 'admin', ADMIN_PASSWORD)
    await user.open('/logout')
    await user.should_see('Sign out of CTP Log on this device?')
    assert await _signed_in(user)
    await user.open('/profile')
    await user.should_see(marker='user-menu', retries=WAIT)


async def test_a_cross_site_post_does_not_sign_out(user: User) -> None:
    await sign_in(user, 'admin', ADMIN_PASSWORD)
    for headers in ({'Sec-Fetch-Site': 'cross-site'}, {'Origin': 'https://evil.example'}):
        assert (await user.http_client.post('/sign-out', headers=headers)).status_code == 403
    assert await _signed_in(user)


async def test_the_sign_out_form_posts_from_our_origin(user: User) -> None:
    await sign_in(user, 'admin', ADMIN_PASSWORD)
    response = await user.http_client.post('/sign-out', headers={'Origin': 'http://test'})
    assert (response.status_code, response.headers.get('location')) == (303, '/login'), response.text[:300]
    assert not await _signed_in(user)
