"""Labels, the monthly report and the displays admin page with the simulated user."""
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from nicegui import ui
from nicegui.testing import User
from sqlalchemy import func, select

from app.config import get_settings
from app.db import session_scope
from app.models import DisplayDevice, Role, utcnow
from tests.factories import PASSWORD, change_behind_the_pages, complete, make_machine, make_user, report
from tests.pages import signin

pytestmark = pytest.mark.dates  # tests/clock.py: CI runs these at every pinned moment


async def sign_in(user: User, username: str, password: str = PASSWORD) -> None:
    await signin.sign_in(user, username, password)
    await user.should_see('Overview', retries=50)


async def test_labels_show_a_qr_code_per_machine_in_scope(user: User) -> None:
    with session_scope() as session:
        magnus, avalon = make_machine(session, 'Kodak Magnus Q800'), make_machine(session, 'Avalon')
        make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    await sign_in(user, 'tech1')
    await user.open('/labels')
    await user.should_see(marker=f'label-{magnus.id}')
    await user.should_not_see(marker=f'label-{avalon.id}')
    await user.should_see(f'http://test/machines/{magnus.id}/report')
    await user.should_see(marker='label-address-warning')  # no CTP_PUBLIC_ORIGINS in tests: the page says so
    await user.should_see('No public address is set (CTP_PUBLIC_ORIGINS)')


async def test_labels_with_a_public_address_carry_it_and_no_warning(user: User, monkeypatch: Any) -> None:
    monkeypatch.setenv('CTP_PUBLIC_ORIGINS', '["https://ctp.plant.example"]')
    get_settings.cache_clear()
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800')
        make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    await sign_in(user, 'tech1')
    await user.open('/labels')
    await user.should_see(f'https://ctp.plant.example/machines/{magnus.id}/report', retries=20)
    await user.should_not_see(marker='label-address-warning')


async def test_monthly_report_shows_the_months_kpis(user: User) -> None:
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
        start = utcnow().replace(day=2, hour=8, minute=0, second=0, microsecond=0)
        if start > utcnow():
            start -= timedelta(days=1)
        with time_machine.travel(start, tick=False):
            log_id = report(session, tech, magnus, start=start, description='Vacuum error on the drum')
        with time_machine.travel(start + timedelta(minutes=90), tick=False):
            complete(session, tech, log_id, solution='Replaced the vacuum hose')
    await sign_in(user, 'tech1')
    await user.open(f'/reports/monthly/{magnus.id}?month={start:%Y-%m}')
    await user.should_see('monthly report', retries=20)
    await user.should_see('Replaced the vacuum hose')
    await user.should_see('1 h 30 min')


async def test_monthly_report_of_a_machine_out_of_scope_says_not_found(user: User) -> None:
    with session_scope() as session:
        avalon = make_machine(session, 'Avalon')
        make_user(session, 'tech1', Role.CTP_USER, [])
    await sign_in(user, 'tech1')
    await user.open(f'/reports/monthly/{avalon.id}')
    await user.should_see('not found', retries=20)


async def _register_display(user: User) -> str:
    """As the admin 'boss' (made by the caller): register a wall display; its pairing link."""
    await sign_in(user, 'boss')
    await user.open('/admin/displays')
    await user.should_see('Register a display', retries=20)
    user.find('Name').type('Plate room wall')
    user.find(marker='register-display').click()
    await user.should_see(marker='pairing-link', retries=20)
    return str(user.find(marker='pairing-link').elements.pop().value)


async def test_admin_registers_a_display_and_gets_its_pairing_link(user: User) -> None:
    with session_scope() as session:
        make_machine(session, 'Kodak Magnus Q800')
        make_user(session, 'boss', Role.ADMIN)
    link = await _register_display(user)
    assert link.startswith('http://test/display/pair?code=pair_')
    response = await user.http_client.get(link.removeprefix('http://test'))
    assert response.status_code == 303
    await user.should_see(marker='display-1', retries=20)
    assert isinstance(user.find(ui.select).elements.pop(), ui.select)


async def test_an_admin_demoted_behind_the_open_page_cannot_register_a_display(user: User) -> None:
    with session_scope() as session:
        boss = make_user(session, 'boss', Role.ADMIN)
    await sign_in(user, 'boss')
    await user.open('/admin/displays')
    await user.should_see('Register a display', retries=20)
    user.find('Name').type('Plate room wall')
    change_behind_the_pages(boss.id, role=Role.MANAGER)  # type: ignore[arg-type]
    user.find(marker='register-display').click()
    await user.should_see('your role does not allow this', retries=20)
    await user.should_not_see(marker='pairing-link')
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(DisplayDevice)).one()[0] == 0


async def test_only_admins_manage_displays(user: User) -> None:
    with session_scope() as session:
        make_user(session, 'maria', Role.MANAGER)
    await sign_in(user, 'maria')
    await user.open('/admin/displays')
    await user.should_see('This page is for administrators only.', retries=20)
    await user.should_not_see('Register a display')


async def test_machine_page_offers_its_exports_and_monthly_report(user: User) -> None:
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800')
        make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    await sign_in(user, 'tech1')
    await user.open(f'/machines/{magnus.id}')
    await user.should_see('Monthly report', retries=30)
    links = {link.text: link.props['href'] for link in user.find(ui.link).elements}
    today = utcnow().astimezone(get_settings().zone).date()
    assert links['Excel'] == (f'/api/exports/problem-logs.xlsx?machine_id={magnus.id}'
                              f'&from={today - timedelta(days=29)}&to={today}&lang=en')  # in the screen's language
    assert links['Monthly report'] == f'/reports/monthly/{magnus.id}?month={today:%Y-%m}'
    response = await user.http_client.get(links['CSV'])
    assert response.status_code == 200 and response.headers['content-type'].startswith('text/csv')


async def test_a_pairing_link_carries_the_public_origin_not_the_address_the_page_was_opened_at(
        user: User, monkeypatch: Any) -> None:
    monkeypatch.setenv('CTP_PUBLIC_ORIGINS', '["https://ctp.plant.example/"]')
    get_settings.cache_clear()
    with session_scope() as session:
        make_user(session, 'boss', Role.ADMIN)
    link = await _register_display(user)
    assert link.startswith('https://ctp.plant.example/display/pair?code=pair_')
