"""Admin → Machines: subscriptions on screen (issue 21). The admin subscribes a machine to a device's status
signals (its JMF address and sender ID), sees the subscription's health (subscribed until, last signal, last
error), renews it now, and removes it after confirming; an address CTP Log may not contact is refused in words."""
from datetime import timedelta

import pytest
from nicegui.testing import User
from sqlalchemy import select

from app.config import get_settings
from app.db import session_scope
from app.models import DeviceLink, JmfSubscription, Role, utcnow
from app.models import User as UserRow
from tests.factories import PASSWORD, make_machine, make_user
from tests.pages.signin import WAIT, sign_in


@pytest.fixture
def magnus(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv('CTP_JMF_SUBSCRIBE_ALLOWED_HOSTS', '["127.0.0.1"]')
    get_settings.cache_clear()
    with session_scope() as session:
        machine = make_machine(session, 'Magnus')
        make_user(session, 'boss', Role.ADMIN)
        return machine.id  # type: ignore[return-value]


async def test_the_admin_subscribes_sees_the_health_and_removes_it(user: User, magnus: int) -> None:
    await sign_in(user, 'boss', PASSWORD, then='/admin/machines')
    user.find(marker=f'subscribe-device-{magnus}').click()
    user.find(marker='subscribe-url').type('http://127.0.0.1:1/jmf')
    user.find(marker='subscribe-sender').type('PRINERGY')
    user.find(marker='subscribe-save').click()
    await user.should_see('Subscription to http://127.0.0.1:1/jmf saved', retries=WAIT)
    await user.should_see('not subscribed yet: CTP Log subscribes within a minute', retries=WAIT)
    await user.should_see('no signal yet')
    with session_scope() as session:  # the device answered and sent a signal; later a renewal failed
        row = session.execute(select(JmfSubscription)).scalars().one()
        link = session.get(DeviceLink, row.link_id)
        assert link is not None and link.machine_id == magnus and link.sender_id == 'PRINERGY'
        row.subscribed_at = row.attempted_at = utcnow()
        row.next_renewal_at = utcnow() + timedelta(minutes=60)
        link.last_signal_at = utcnow()
        session.commit()
    await user.open('/admin/machines')
    await user.should_see('subscribed until', retries=WAIT)
    await user.should_see('last signal')
    user.find(marker='renew-subscription').click()  # nobody listens on port 1: the attempt fails, in words
    await user.should_see('The device did not subscribe: ConnectError', retries=WAIT)
    await user.should_see('not subscribed: next attempt', retries=WAIT)
    await user.should_see('last error: ConnectError')
    user.find(marker='remove-subscription').click()
    await user.should_see('Remove the subscription to http://127.0.0.1:1/jmf?', retries=WAIT)
    user.find(marker='confirm-yes').click()
    await user.should_see('Subscription to http://127.0.0.1:1/jmf removed', retries=WAIT)
    await user.should_not_see(marker='remove-subscription', retries=WAIT)
    with session_scope() as session:
        assert session.execute(select(JmfSubscription)).scalars().all() == []
        assert session.execute(select(DeviceLink.revoked_at)).scalars().one() is not None


async def test_an_address_ctp_log_may_not_contact_is_refused_in_the_admins_words(user: User, magnus: int) -> None:
    with session_scope() as session:  # the admin reads German
        boss = session.execute(select(UserRow).where(UserRow.username == 'boss')).scalars().one()
        boss.language = 'de'
        session.commit()
    await sign_in(user, 'boss', PASSWORD, then='/admin/machines')
    user.find(marker=f'subscribe-device-{magnus}').click()
    user.find(marker='subscribe-url').type('http://prinergy.example/jmf')
    user.find(marker='subscribe-sender').type('PRINERGY')
    user.find(marker='subscribe-save').click()
    await user.should_see('CTP Log darf prinergy.example nicht ansprechen', retries=WAIT)
    user.find(marker='subscribe-url').clear().type('ftp://127.0.0.1/jmf')
    user.find(marker='subscribe-save').click()
    await user.should_see('Geben Sie die JMF-Adresse des Geräts ein', retries=WAIT)
    with session_scope() as session:
        assert session.execute(select(JmfSubscription)).scalars().all() == []
        assert session.execute(select(DeviceLink)).scalars().all() == []
