"""Languages on screen: German overview and wall board, who decides the language (display, user, plant default,
Accept-Language on sign-in), live updates in each screen's own language, the Profile choice and its REST call."""
from collections.abc import Callable
from datetime import timedelta

import pytest
from nicegui.testing import User
from sqlmodel import Session, select

from app import i18n
from app.config import get_settings
from app.db import session_scope
from app.models import CTPMachine, Role, utcnow
from app.models import User as UserRow
from app.services import displays
from tests.factories import PASSWORD, actor, make_machine, make_user, report
from tests.pages.signin import WAIT, sign_in
from tests.pages.test_display import pair


def _speaker(session: Session, username: str, language: str | None, role: Role = Role.ADMIN,
             machines: list[int] | None = None) -> UserRow:
    person = make_user(session, username, role, machines)
    person.language = language
    session.add(person)
    session.commit()
    return person


def _plant_language(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    monkeypatch.setenv('CTP_LANGUAGE', code)
    get_settings.cache_clear()


async def test_german_overview_shows_a_down_machine_in_shop_floor_words(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        person = _speaker(session, 'meister', 'de')
        report(session, person, machine, start=utcnow() - timedelta(minutes=83))
    await sign_in(user, 'meister', PASSWORD)
    await user.should_see('Übersicht', retries=WAIT)
    await user.should_see(marker=f'machine-{machine.id}', content='STÖRUNG')
    await user.should_see(marker=f'machine-{machine.id}', content='1 Std. 2')  # 'seit 1 Std. 23 Min. gestört'
    await user.should_see(marker=f'machine-{machine.id}', content='gestört')
    await user.should_see('Störung melden')
    await user.should_see('Neueste Störungen')


async def test_wall_display_speaks_its_own_language(user: User) -> None:
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800', nickname='Magnus')
        tech = _speaker(session, 'tech1', None, Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
        admin = make_user(session, 'boss', Role.ADMIN)
        info, code = displays.register_display(session, actor=actor(admin), name='Plattenraum')
        displays.set_language(session, actor=actor(admin), display_id=info.id, language='de')
        report(session, tech, magnus, start=utcnow() - timedelta(minutes=42))
    await pair(user, code)
    await user.open('/display')
    await user.should_see('STÖRUNG', retries=WAIT)
    await user.should_see('42 Min.', retries=WAIT)
    await user.should_see('NICHT ÜBERNOMMEN')
    await user.should_see('Stillstand heute')
    await user.should_see('Häufigste Ursachen dieser Woche')
    assert user.client is not None  # the board's script: the stale banner and the counters' units in German
    assert 'DATEN VERALTET seit' in user.client.body_html and '"hour": "{0} Std."' in user.client.body_html


async def test_user_choice_beats_the_plant_default(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    _plant_language(monkeypatch, 'de')
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        _speaker(session, 'english', 'en')
        _speaker(session, 'plant', None)
    await sign_in(user, 'english', PASSWORD)
    await user.should_see(marker=f'machine-{machine.id}', content='RUNNING', retries=WAIT)
    await user.should_see('Overview')
    await user.http_client.post('/sign-out', headers={'X-CTP-Request': '1', 'Origin': 'http://test'})
    await sign_in(user, 'plant', PASSWORD)
    await user.should_see(marker=f'machine-{machine.id}', content='IN BETRIEB', retries=WAIT)


@pytest.mark.parametrize(('header', 'button'), [('de-DE,de;q=0.9,en;q=0.8', 'Anmelden'),
                                                ('en-US,en;q=0.9', 'Sign in'), ('fr-FR', 'Sign in')])
async def test_sign_in_page_follows_the_browser(user: User, header: str, button: str) -> None:
    user.http_client.headers['Accept-Language'] = header
    await user.open('/login')
    await user.should_see(button)
    await user.should_see(marker='sign-in', content=button)


async def test_live_updates_render_in_each_screens_language(create_user: Callable[[], User]) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        english = _speaker(session, 'english', 'en')
        _speaker(session, 'german', 'de')
    screens = {'english': create_user(), 'german': create_user()}
    for name, screen in screens.items():
        await sign_in(screen, name, PASSWORD)
    await screens['german'].should_see(marker=f'machine-{machine.id}', content='IN BETRIEB', retries=WAIT)
    await screens['english'].should_see(marker=f'machine-{machine.id}', content='RUNNING', retries=WAIT)
    with i18n.language('en'), session_scope() as session:  # the change is saved in English
        report(session, english, session.get(CTPMachine, machine.id))  # type: ignore[arg-type]
    await screens['german'].should_see(marker=f'machine-{machine.id}', content='STÖRUNG', retries=WAIT)
    await screens['english'].should_see(marker=f'machine-{machine.id}', content='DOWN', retries=WAIT)
    await screens['german'].should_see(marker=f'machine-{machine.id}', content='Heute:')


async def test_profile_language_choice_and_its_rest_call(user: User) -> None:
    with session_scope() as session:
        _speaker(session, 'tech1', None, Role.CTP_USER)
    await sign_in(user, 'tech1', PASSWORD)
    refused = await user.http_client.put('/api/auth/me/language', json={'language': 'fr'},
                                         headers={'X-CTP-Request': '1'})
    assert refused.status_code == 400 and refused.json()['error']['code']
    chosen = await user.http_client.put('/api/auth/me/language', json={'language': 'de'},
                                        headers={'X-CTP-Request': '1'})
    assert chosen.status_code == 200 and chosen.json()['language'] == 'de'
    await user.open('/profile')
    await user.should_see('Übersicht', retries=WAIT)  # the frame, in German from this page load on
    user.find(marker='language').elements.pop().set_value('en')
    await user.should_see('Overview', retries=WAIT)  # saved, and the page reloaded in the new language
    with session_scope() as session:
        assert session.exec(select(UserRow.language).where(UserRow.username == 'tech1')).one() == 'en'
