"""Admin → Machines: device links on screen (issue 21). The admin links a device to a machine and copies its
secret and receiver address (shown this once), gives the link a new secret (the old one stops at once) and removes
it after confirming; a wrong address is refused in words and nothing is stored; other roles do not get there."""
import pytest
from nicegui import ui
from nicegui.testing import User
from sqlalchemy import select

from app.db import session_scope
from app.errors import NotAuthenticated
from app.models import DeviceLink, Role
from app.models import User as UserRow
from app.services.jmf import links
from tests.factories import PASSWORD, actor, make_machine, make_user
from tests.pages.signin import WAIT, sign_in


def _machine_and_admin(with_link: bool = False) -> tuple[int, str]:
    """Magnus and the admin boss; with a link MAGNUS-Q800-01 when asked (returns its secret)."""
    with session_scope() as session:
        machine = make_machine(session, 'Magnus')
        boss = make_user(session, 'boss', Role.ADMIN)
        secret = ''
        if with_link:
            _, secret = links.create_link(session, actor=actor(boss), machine_id=machine.id,  # type: ignore[arg-type]
                                          sender_id='MAGNUS-Q800-01')
        return machine.id, secret  # type: ignore[return-value]


def _authenticates(secret: str) -> bool:
    with session_scope() as session:
        try:
            links.authenticate(session, secret=secret, address='10.0.5.20')
        except NotAuthenticated:
            return False
        return True


def _value(user: User, marker: str) -> str:
    return str(user.find(marker=marker).elements.pop().value)  # type: ignore[attr-defined]


async def test_the_admin_links_a_device_and_sees_its_secret_once(user: User) -> None:
    machine_id, _ = _machine_and_admin()
    await sign_in(user, 'boss', PASSWORD, then='/admin/machines')
    user.find(marker=f'link-device-{machine_id}').click()
    user.find(marker='link-sender').type('MAGNUS-Q800-01')
    user.find(marker='link-addresses').type('10.0.5.0/24, 10.0.6.7')
    user.find(marker='link-save').click()
    await user.should_see('Copy it now: it is shown only this once.', retries=WAIT)
    url, secret = _value(user, 'link-url'), _value(user, 'link-secret')
    assert url.endswith(f'/api/jmf/{secret}') and url.startswith('http') and _authenticates(secret)
    await user.should_see('Or, with HTTP Basic: post to')
    user.find(marker='link-secret-done').click()
    await user.should_see(marker='rotate-link', retries=WAIT)
    await user.should_see('from 10.0.5.0/24, 10.0.6.7/32')
    await user.should_see('no signal yet')
    await user.open('/admin/machines')  # once: the secret is nowhere on the screen again
    await user.should_see('URL token or HTTP Basic (user MAGNUS-Q800-01)', retries=WAIT)
    await user.should_not_see(marker='link-secret')
    assert secret not in str([getattr(e, 'value', '') for e in user.find(ui.input).elements])


async def test_wrong_input_is_refused_in_the_admins_words_and_nothing_is_stored(user: User) -> None:
    machine_id, _ = _machine_and_admin()
    with session_scope() as session:  # the admin reads German
        boss = session.execute(select(UserRow).where(UserRow.username == 'boss')).scalars().one()
        boss.language = 'de'
        session.commit()
    await sign_in(user, 'boss', PASSWORD, then='/admin/machines')
    user.find(marker=f'link-device-{machine_id}').click()
    user.find(marker='link-sender').type('MAGNUS Q800')
    user.find(marker='link-save').click()
    await user.should_see('Die Absender-ID hat 1 bis 120 Zeichen ohne Leerzeichen', retries=WAIT)
    user.find(marker='link-sender').clear().type('MAGNUS-Q800-01')
    user.find(marker='link-addresses').type('press-hall')
    user.find(marker='link-save').click()
    await user.should_see('„press-hall“ ist keine IP-Adresse und kein Netz (etwa 10.0.5.20 oder 10.0.5.0/24)',
                          retries=WAIT)
    await user.should_not_see(marker='link-secret')
    with session_scope() as session:
        assert session.execute(select(DeviceLink)).scalars().all() == []


async def test_a_new_secret_replaces_the_old_one(user: User) -> None:
    machine_id, old = _machine_and_admin(with_link=True)
    await sign_in(user, 'boss', PASSWORD, then='/admin/machines')
    await user.should_see(marker='rotate-link', retries=WAIT)
    user.find(marker='rotate-link').click()
    await user.should_see('Give MAGNUS-Q800-01 a new secret?', retries=WAIT)
    user.find(marker='confirm-yes').click()
    await user.should_see('Copy it now: it is shown only this once.', retries=WAIT)
    new = _value(user, 'link-secret')
    assert new != old and _authenticates(new) and not _authenticates(old)


@pytest.mark.parametrize('answer', ['confirm-back', 'confirm-yes'])
async def test_removing_a_link_asks_first(user: User, answer: str) -> None:
    machine_id, secret = _machine_and_admin(with_link=True)
    await sign_in(user, 'boss', PASSWORD, then='/admin/machines')
    await user.should_see(marker='rotate-link', retries=WAIT)
    user.find(marker='remove-link').click()
    await user.should_see('Remove the link of MAGNUS-Q800-01?', retries=WAIT)
    user.find(marker=answer).click()
    if answer == 'confirm-back':
        await user.should_not_see('Remove the link of MAGNUS-Q800-01?', retries=WAIT)
        assert _authenticates(secret)
        return
    await user.should_see('Link of MAGNUS-Q800-01 removed', retries=WAIT)
    await user.should_not_see(marker='remove-link', retries=WAIT)
    assert not _authenticates(secret)


async def test_a_technician_does_not_get_to_the_links(user: User) -> None:
    machine_id, _ = _machine_and_admin(with_link=True)
    with session_scope() as session:
        make_user(session, 'tech1', Role.CTP_USER, [machine_id])
    await sign_in(user, 'tech1', PASSWORD)
    await user.open('/admin/machines')
    await user.should_see('This page is for administrators only.', retries=WAIT)
    await user.should_not_see(marker=f'link-device-{machine_id}')
    await user.should_not_see('MAGNUS-Q800-01')
