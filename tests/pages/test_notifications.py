"""The bell, its panel, the inbox page, the user menu and the theme."""
from collections.abc import Callable
from typing import Any

import pytest
from nicegui.testing import User
from sqlalchemy import func, select

from app.db import session_scope
from app.models import CTPNotification, Role
from app.models import User as UserRow
from tests.conftest import ADMIN_PASSWORD
from tests.factories import PASSWORD, change_behind_the_pages, make_machine, make_user, report
from tests.pages.signin import WAIT, screens_signed_in, sign_in

pytestmark = pytest.mark.dates  # tests/clock.py: CI runs these at every pinned moment


def _two_problems() -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
        report(session, tech, machine, description='Plate jam')
        report(session, tech, machine, description='Vacuum error', is_stopping=False)


def _unread_of_admin() -> int:
    with session_scope() as session:
        return int(session.exec(select(func.count()).select_from(CTPNotification).where(
            CTPNotification.user_id == 1, CTPNotification.is_read.is_(False))).one()[0])


async def test_bell_shows_unread_and_the_panel_marks_them_read(user: User) -> None:
    _two_problems()
    await sign_in(user, 'admin', ADMIN_PASSWORD)
    await user.should_see(marker='unread', content='2', retries=WAIT)
    user.find(marker='bell').click()
    await user.should_see('Kodak Magnus Q800: problem reported · machine DOWN', retries=WAIT)
    await user.should_not_see(marker='unread', retries=WAIT)
    assert _unread_of_admin() == 0


async def test_inbox_lists_and_marks_all_read(user: User) -> None:
    _two_problems()
    await sign_in(user, 'admin', ADMIN_PASSWORD, then='/notifications')
    await user.should_see('2 unread', retries=WAIT)
    user.find(marker='mark-all-read').click()
    await user.should_see('0 unread', retries=WAIT)
    assert _unread_of_admin() == 0


async def test_mark_all_read_is_refused_once_the_session_has_ended(user: User) -> None:
    _two_problems()
    await sign_in(user, 'admin', ADMIN_PASSWORD, then='/notifications')
    await user.should_see('2 unread', retries=WAIT)
    change_behind_the_pages(1, is_active=False)
    user.find(marker='mark-all-read').click()
    await user.should_see('your session has ended', retries=WAIT)
    assert _unread_of_admin() == 2


async def test_the_bell_panel_is_refused_once_the_session_has_ended(user: User) -> None:
    _two_problems()
    await sign_in(user, 'admin', ADMIN_PASSWORD, then='/profile')
    await user.should_see(marker='unread', content='2', retries=WAIT)
    change_behind_the_pages(1, is_active=False)
    user.find(marker='bell').click()
    await user.should_see('your session has ended', retries=WAIT)
    await user.should_not_see('Kodak Magnus Q800: problem reported · machine DOWN')
    assert _unread_of_admin() == 2


async def test_opening_the_problem_reads_its_notifications(user: User) -> None:
    _two_problems()
    await sign_in(user, 'admin', ADMIN_PASSWORD, then='/problem-logs/1')
    await user.should_see('Plate jam', retries=WAIT)
    await user.should_see(marker='unread', content='1', retries=WAIT)
    assert _unread_of_admin() == 1


async def test_admin_link_only_for_admins(user: User) -> None:
    with session_scope() as session:
        make_user(session, 'tech1', Role.CTP_USER)
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see('Overview')
    await user.should_not_see('Admin')


async def test_theme_choice_is_remembered(user: User) -> None:
    await sign_in(user, 'admin', ADMIN_PASSWORD)
    user.find(marker='theme-toggle').click()
    await user.open('/notifications')
    await user.should_see(marker='user-menu', retries=WAIT)
    from nicegui import ui
    [dark] = user.find(ui.dark_mode).elements
    assert dark.value is True  # type: ignore[attr-defined]


async def test_sign_out_from_the_user_menu(user: User) -> None:
    await sign_in(user, 'admin', ADMIN_PASSWORD)
    [form] = [e for e in user.find(marker='sign-out').elements.pop().ancestors() if e.tag == 'form']
    assert (form.props['method'], form.props['action']) == ('post', '/sign-out')
    assert (await user.http_client.post('/sign-out', headers={'Sec-Fetch-Site': 'same-origin'})).status_code == 303
    await user.open('/')
    await user.should_see('Sign in', retries=WAIT)


async def test_screens_of_one_user_share_one_read_of_the_bell_per_change(
        create_user: Callable[[], User], monkeypatch: Any) -> None:
    from app.services import notifications
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    screens = await screens_signed_in(create_user, 3, 'admin', ADMIN_PASSWORD)
    reads: list[object] = []
    real = notifications.list_notifications
    monkeypatch.setattr(notifications, 'list_notifications', lambda *a, **k: reads.append(k) or real(*a, **k))
    with session_scope() as session:
        report(session, tech, machine)  # the admin is notified
    for screen in screens:
        await screen.should_see(marker='unread', content='1', retries=WAIT)
    assert len(reads) == 1  # not one per screen


async def test_the_narrow_screens_menu_links_the_same_pages_as_the_wide_header(user: User) -> None:
    with session_scope() as session:
        make_user(session, 'tech1', Role.CTP_USER)
    await sign_in(user, 'tech1', PASSWORD)
    from nicegui import ui
    menu = user.find(marker='nav-menu').elements.pop()
    in_menu = [link.props['href'] for link in menu.descendants() if isinstance(link, ui.link)]
    in_header = [link.props['href'] for link in sorted(user.find(ui.link).elements, key=lambda e: e.id)
                 if 'ctp-nav' in link.classes]
    assert in_menu == in_header
    assert '/' in in_menu and '/admin' not in in_menu
    assert all(link.props['role'] == 'menuitem' for link in menu.descendants() if isinstance(link, ui.link))


async def test_a_change_while_the_bell_first_reads_is_not_missed(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    """A notification read (or added) while the page's bell reads its first count: the bell follows its user's room
    before it reads, so it shows the change, not the count read before it."""
    import asyncio

    from app.services import notifications
    from components import bell_rooms
    from tests.factories import actor
    from tests.pages.held_read import HeldRead
    _two_problems()
    held = HeldRead(bell_rooms.LATEST_READ, monkeypatch)  # the first read has the count 2 and ends after the change
    await sign_in(user, 'admin', ADMIN_PASSWORD, then='/profile')
    await held.started(WAIT)
    with session_scope() as session:
        admin = session.get(UserRow, 1)
        notifications.mark_read(session, actor=actor(admin), notification_id=1)  # type: ignore[arg-type]
    await held.release()
    await user.should_see(marker='unread', content='1', retries=WAIT)
    await asyncio.sleep(0.5)
    await user.should_see(marker='unread', content='1')  # and the first read's 2 never paints over it
