"""Administration pages with NiceGUI's simulated user: only admins, and each section does its job."""
import asyncio
from collections.abc import Callable

import pytest
from nicegui import Client, ui
from nicegui.testing import User
from sqlmodel import select

from app import auth
from app.db import session_scope
from app.models import Category, CTPMachine, OperatingWindow, PlantClosure, Role, UserMachine
from app.models import User as UserRow
from tests.conftest import ADMIN_PASSWORD, api_login
from tests.factories import PASSWORD, change_behind_the_pages, make_machine, make_user
from tests.pages.headings import headings
from tests.pages.signin import WAIT, sign_in

ADMIN_PAGES = ['/admin', '/admin/users', '/admin/machines', '/admin/taxonomy', '/admin/calendar', '/admin/displays']


@pytest.mark.parametrize('role', [Role.CTP_USER, Role.MANAGER])
async def test_admin_pages_refuse_other_roles(user: User, role: Role) -> None:
    with session_scope() as session:
        make_user(session, 'someone', role)
    await sign_in(user, 'someone', PASSWORD)
    await user.should_see('Machines')
    await user.should_not_see('Admin')
    for path in ADMIN_PAGES:
        await user.open(path)
        await user.should_see('Not allowed')
        await user.should_see('This page is for administrators only.')
        levels = sorted(level for level, _ in headings(user))
        assert levels == ['1'], levels  # the refusal, alone on the screen, is its title
        await user.should_not_see('Add user')
        await user.should_not_see('Register display')


@pytest.mark.parametrize('path', ADMIN_PAGES)
async def test_admin_pages_send_visitors_to_login(user: User, path: str) -> None:
    await user.open(path)
    await user.should_see('Sign in')


async def test_admin_index_lists_its_sections_once(user: User) -> None:
    await sign_in(user, 'admin', ADMIN_PASSWORD, '/login?redirect_to=/admin')
    await user.should_see('Choose a section above', retries=50)
    assert len(user.find('Failure taxonomy').elements) == 1  # the section links, not a second list below them
    await user.should_not_see('Manage failure taxonomy')


async def _start_new_user(user: User) -> int:
    """A machine to assign, and the Users page with the add form filled in for tech9 (not sent yet)."""
    with session_scope() as session:
        machine_id = make_machine(session, 'Kodak Magnus Q800').id
    assert machine_id is not None
    await sign_in(user, 'admin', ADMIN_PASSWORD, '/login?redirect_to=/admin/users')
    user.find('New user name').type('tech9')
    user.find('Full name').type('Tina Tech')
    user.find('Initial password').type('a long passphrase')
    return machine_id


def _assigned_to_tech9() -> list[int]:
    with session_scope() as session:
        tech = session.exec(select(UserRow).where(UserRow.username == 'tech9')).one()
        assert tech.role == 'ctp_user' and tech.name == 'Tina Tech'
        return [m.machine_id for m in session.exec(select(UserMachine).where(UserMachine.user_id == tech.id))]


async def test_admin_adds_a_user_and_assigns_a_machine(user: User) -> None:
    machine_id = await _start_new_user(user)
    user.find('Add user').click()
    await user.should_see(marker='user-tech9', retries=30)
    user.find(marker='edit-tech9').click()
    await user.should_see('Assigned machines')
    user.find(marker='edit-machines').elements.pop().set_value([machine_id])
    user.find('Save').click()
    await user.should_see('Saved', retries=30)
    assert _assigned_to_tech9() == [machine_id]
    await user.should_see('Kodak Magnus Q800')


async def test_a_new_ctp_user_gets_machines_in_the_add_form(user: User) -> None:
    machine_id = await _start_new_user(user)
    user.find(marker='new-user-machines').elements.pop().set_value([machine_id])
    user.find('Add user').click()
    await user.should_see(marker='user-tech9', retries=30)
    assert _assigned_to_tech9() == [machine_id]


async def test_an_admin_sees_and_ends_a_users_api_tokens(user: User) -> None:
    """A script's token of a person who left, or a leaked one: listed in the person's edit dialog and ended there."""
    from app.models import ApiToken
    with session_scope() as session:
        tech = make_user(session, 'tech1')
        for name in ('press export script', 'old laptop'):
            session.add(ApiToken(user_id=tech.id, name=name, token_hash=auth.token_digest(f'secret-{name}')))  # type: ignore[arg-type]
        session.commit()
    await sign_in(user, 'admin', ADMIN_PASSWORD, '/login?redirect_to=/admin/users')
    user.find(marker='edit-tech1').click()
    await user.should_see('press export script', retries=30)
    await user.should_see('old laptop')
    user.find(marker='end-all-tokens').click()
    await user.should_see('2 API tokens ended', retries=30)
    await user.should_see('No API tokens')
    with session_scope() as session:
        assert all(t.revoked_at is not None for t in session.exec(select(ApiToken)))


async def test_the_last_admin_cannot_be_demoted_in_the_ui(user: User) -> None:
    await sign_in(user, 'admin', ADMIN_PASSWORD, '/login?redirect_to=/admin/users')
    await user.should_see(marker='user-admin')
    user.find(marker='edit-admin').click()
    await user.should_see('Role')
    select_element = user.find(kind=ui.select).elements
    next(e for e in select_element if e.props.get('label') == 'Role' and e.value == 'admin').set_value('manager')
    user.find('Save').click()
    await user.should_see('This would leave no active admin', retries=30)
    with session_scope() as session:
        assert session.exec(select(UserRow).where(UserRow.username == 'admin')).one().role == 'admin'


async def test_admin_adds_and_retires_a_machine(user: User) -> None:
    await sign_in(user, 'admin', ADMIN_PASSWORD, '/login?redirect_to=/admin/machines')
    user.find('Machine name').type('Screen PlateRite 8600')
    user.find('Add machine').click()
    await user.should_see('Machine Screen PlateRite 8600 added', retries=30)
    await user.should_see('Retire', retries=30)  # the list is redrawn after the notification (slow under load)
    user.find('Retire').click()
    await user.should_see('retired', retries=30)
    with session_scope() as session:
        assert session.exec(select(CTPMachine)).one().retired_at is not None


@pytest.mark.parametrize(('change', 'then'), [
    ({'role': Role.MANAGER}, 'Your role does not allow this'),
    ({'is_active': False}, 'Sign in'),
])
async def test_an_admin_changed_behind_the_open_page_cannot_add_a_machine(user: User, change: dict[str, object],
                                                                         then: str) -> None:
    with session_scope() as session:
        make_user(session, 'boss', Role.ADMIN)
        boss_id = session.exec(select(UserRow).where(UserRow.username == 'boss')).one().id
    await sign_in(user, 'boss', PASSWORD, '/login?redirect_to=/admin/machines')
    user.find('Machine name').type('Screen PlateRite 8600')
    change_behind_the_pages(boss_id, **change)  # type: ignore[arg-type]
    user.find('Add machine').click()
    await user.should_see(then, retries=WAIT)
    with session_scope() as session:
        assert session.exec(select(CTPMachine)).all() == []


async def test_taxonomy_entries_are_archived_with_a_confirmation_and_restored(user: User) -> None:
    from app.services import taxonomy
    from tests.factories import report, seeded_category
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800')
        admin = session.exec(select(UserRow).where(UserRow.username == 'admin')).one()
        jam = seeded_category(session, 'Plate loading / autoloader', 'Plate jam')
        report(session, admin, magnus, category_id=jam.id)
        unused = seeded_category(session, 'Plate loading / autoloader', 'Double pick')
    await sign_in(user, 'admin', ADMIN_PASSWORD, '/login?redirect_to=/admin/taxonomy')
    await user.should_see(marker=f'archive-{jam.id}', retries=50)
    await user.should_not_see(marker=f'delete-{jam.id}')  # in use: it can be archived, never destroyed
    await user.should_see(marker=f'delete-{unused.id}')
    user.find(marker=f'archive-{jam.id}').click()
    await user.should_see("Archive 'Plate jam'?", retries=WAIT)
    await user.should_see('It disappears from new reports; 1 problem keeps it.')
    user.find(marker='confirm-yes').click()
    await user.should_see('Plate jam archived', retries=WAIT)
    await user.should_see('archived · 1 problem keeps it', retries=WAIT)
    with session_scope() as session:
        assert jam.id not in {c.id for _, children in taxonomy.list_tree(session) for c in children}  # new reports
        assert taxonomy.category_info(session, jam.id).label.endswith('Plate jam')  # old reports keep it
    user.find(marker=f'archive-{jam.id}').click()  # now "Restore": no question needed
    await user.should_see('Plate jam restored', retries=WAIT)
    with session_scope() as session:
        assert jam.id in {c.id for _, children in taxonomy.list_tree(session) for c in children}


async def test_deleting_an_unused_entry_asks_first(user: User) -> None:
    from tests.factories import seeded_category
    with session_scope() as session:
        unused = seeded_category(session, 'Plate loading / autoloader', 'Double pick')
    await sign_in(user, 'admin', ADMIN_PASSWORD, '/login?redirect_to=/admin/taxonomy')
    await user.should_see(marker=f'delete-{unused.id}', retries=50)
    user.find(marker=f'delete-{unused.id}').click()
    await user.should_see("Delete 'Double pick' for good?", retries=WAIT)
    user.find(marker='confirm-back').click()
    await user.should_not_see('Double pick deleted')
    with session_scope() as session:
        assert session.get(Category, unused.id) is not None


async def test_admin_adds_a_subsystem(user: User) -> None:
    await sign_in(user, 'admin', ADMIN_PASSWORD, '/login?redirect_to=/admin/taxonomy')
    user.find('New subsystem').type('Cooling')
    user.find(marker='add-subsystem').click()
    await user.should_see('Added', retries=30)
    with session_scope() as session:
        assert session.exec(select(Category).where(Category.name == 'Cooling', Category.parent_id.is_(None))).first()


async def test_admin_sets_operating_hours_and_a_closed_day(user: User) -> None:
    await sign_in(user, 'admin', ADMIN_PASSWORD, '/login?redirect_to=/admin/calendar')
    user.find('Monday').type('06:00-14:00, 14:00-22:00')
    user.find(kind=ui.textarea).type('2026-12-25 Christmas')
    user.find('Save').click()
    await user.should_see('Operating hours saved', retries=30)
    with session_scope() as session:
        windows = [(w.weekday, w.start_minute, w.end_minute) for w in session.exec(select(OperatingWindow))]
        assert sorted(windows) == [(0, 360, 840), (0, 840, 1320)]
        assert [(c.day.isoformat(), c.reason) for c in session.exec(select(PlantClosure))] == \
            [('2026-12-25', 'Christmas')]


async def test_bad_operating_hours_are_explained_and_not_saved(user: User) -> None:
    await sign_in(user, 'admin', ADMIN_PASSWORD, '/login?redirect_to=/admin/calendar')
    user.find('Tuesday').type('6 to 2')
    user.find('Save').click()
    await user.should_see("Tuesday: write a window as 06:00-14:00, not '6 to 2'", retries=30)
    with session_scope() as session:
        assert session.exec(select(OperatingWindow)).first() is None


async def _open_close_wait(page: Client) -> bool:
    for _ in range(WAIT):
        if page.id not in Client.instances:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_an_admin_setting_their_own_password_keeps_this_session_and_ends_the_others(
        create_user: Callable[[], User]) -> None:
    here, tablet, script = create_user(), create_user(), create_user()
    script.http_client.headers['X-CTP-Request'] = '1'
    assert (await api_login(script.http_client, 'admin', ADMIN_PASSWORD)).status_code == 200
    await sign_in(tablet, 'admin', ADMIN_PASSWORD, then='/')
    await sign_in(here, 'admin', ADMIN_PASSWORD, '/login?redirect_to=/admin/users')
    here.find(marker='edit-admin').click()
    await here.should_see('New password')
    here.find('New password').type('a brand new passphrase')
    page = here.client
    here.find('Save').click()
    await here.should_see('your other sessions are signed out', retries=WAIT)
    assert await _open_close_wait(tablet.client)  # the other open page is closed on the server
    assert page.id in Client.instances  # this one is not
    assert (await script.http_client.get('/api/auth/me')).status_code == 401
    assert (await here.http_client.get('/api/auth/me')).status_code == 200  # this session stays signed in
    await here.open('/admin/users')
    await here.should_see(marker='edit-admin', retries=WAIT)
    with session_scope() as session:
        row = session.exec(select(UserRow).where(UserRow.username == 'admin')).one()
        assert auth.verify_password(row.password_hash, 'a brand new passphrase')


async def test_an_admin_setting_someone_elses_password_ends_all_their_sessions(
        create_user: Callable[[], User]) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
    admin, tablet = create_user(), create_user()
    await sign_in(tablet, 'tech1', PASSWORD, then='/')
    await sign_in(admin, 'admin', ADMIN_PASSWORD, '/login?redirect_to=/admin/users')
    admin.find(marker='edit-tech1').click()
    await admin.should_see('New password')
    admin.find('New password').type('a brand new passphrase')
    admin.find('Save').click()
    await admin.should_see('Saved', retries=WAIT)
    assert await _open_close_wait(tablet.client)
    assert (await tablet.http_client.get('/api/auth/me')).status_code == 401
    assert (await admin.http_client.get('/api/auth/me')).status_code == 200
