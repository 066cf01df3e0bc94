"""Alerts on screen (issue 23): Admin → Alerts (channels, rules, roster, dead letters) and "My alerts" on Profile."""
import asyncio
import json
import re

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlalchemy import select

from app.config import get_settings
from app.db import session_scope
from app.models import AlertChannel, AlertOutbox, AlertSubscription, Role, ShiftRoster
from tests.conftest import ADMIN_PASSWORD
from tests.factories import PASSWORD, make_machine, make_user, report
from tests.pages.signin import WAIT, sign_in


async def test_an_admin_adds_a_channel_and_retries_a_dead_letter(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_ALERT_ALLOWED_HOSTS', '["hooks.plant.example"]')
    get_settings.cache_clear()
    with session_scope() as session:
        session.add(AlertOutbox(idempotency_key='k1', channel_kind='email', destination='boss@plant.example',
                                payload='{}', status='dead', attempts=8, last_error='SMTP: connection refused'))
        session.commit()
    await sign_in(user, 'admin', ADMIN_PASSWORD, '/login?redirect_to=/admin/alerts')
    await user.should_see('Escalation rules', retries=WAIT)
    await user.should_see("the shift's lead")
    user.find('Name').type('Maintenance hook')
    user.find('URL or e-mail address').type('https://hooks.plant.example/ctp')
    user.find('Secret (webhooks)').type('very-secret-value')
    user.find(marker='add-channel').click()
    await user.should_see('Channel saved', retries=WAIT)
    await user.should_see('secret set', retries=WAIT)
    await user.should_not_see('very-secret-value')
    await user.should_see('SMTP: connection refused')
    user.find('Retry').click()
    await user.should_see('Sent again', retries=WAIT)
    with session_scope() as session:
        assert session.exec(select(AlertChannel.secret)).scalars().one() == 'very-secret-value'
        assert session.exec(select(AlertOutbox.status)).scalars().one() in ('pending', 'sending')  # the sender runs


async def test_an_admin_adds_a_shift_with_its_lead(user: User) -> None:
    with session_scope() as session:
        anna = make_user(session, 'anna', Role.CTP_USER).id
    await sign_in(user, 'admin', ADMIN_PASSWORD, '/login?redirect_to=/admin/alerts')
    await user.should_see('Shift roster', retries=WAIT)
    next(e for e in user.find(kind=ui.select).elements if e.props.get('label') == 'Lead').set_value(anna)
    user.find(marker='add-shift').click()
    await user.should_see('Roster saved', retries=WAIT)
    with session_scope() as session:
        shift = session.exec(select(ShiftRoster)).scalars().one()
        assert (shift.weekday, shift.start_minute, shift.end_minute, shift.lead_user_id) == (0, 360, 840, anna)


async def test_a_technician_adds_and_removes_an_email_alert_on_their_profile(user: User) -> None:
    with session_scope() as session:
        magnus = make_machine(session, 'Magnus')
        make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    await sign_in(user, 'tech1', PASSWORD, '/login?redirect_to=/profile')
    await user.should_see('My alerts', retries=WAIT)
    await user.should_see('No alerts yet.')
    user.find(marker='alert-address').type('tech1@plant.example')
    user.find(marker='add-alert').click()
    await user.should_see('Alert added', retries=WAIT)
    await user.should_see('tech1@plant.example: everything · all my machines', retries=WAIT)
    with session_scope() as session:
        assert session.exec(select(AlertSubscription.address)).scalars().one() == 'tech1@plant.example'
    user.find('Remove').click()
    await user.should_see('Alert removed', retries=WAIT)
    with session_scope() as session:
        assert session.exec(select(AlertSubscription)).first() is None


async def test_the_alerts_page_is_for_admins_only(user: User) -> None:
    with session_scope() as session:
        make_user(session, 'boss2', Role.MANAGER)
    await sign_in(user, 'boss2', PASSWORD)
    await user.open('/admin/alerts')
    await user.should_see('This page is for administrators only.')
    await user.should_not_see('Escalation rules')


async def test_the_bell_asks_the_browser_to_notify_when_something_new_arrives(user: User,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with session_scope() as session:
        magnus = make_machine(session, 'Magnus')
        tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    asked: list[str] = []
    call = re.compile(r'.*ctpBrowserNotify\((".*")\)')
    monkeypatch.setattr(ui, 'run_javascript',
                        lambda code, **_: (m := call.match(code)) and asked.append(json.loads(m[1])))
    await sign_in(user, 'admin', ADMIN_PASSWORD)
    with session_scope() as session:
        report(session, tech, magnus)
    await user.should_see(marker='unread', content='1', retries=WAIT)
    for _ in range(WAIT):
        if asked:
            break
        await asyncio.sleep(0.1)
    assert asked == ['1 new notification'], user.notify.messages  # the app's words only; shown only in a hidden tab
