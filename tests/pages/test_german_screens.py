"""German on the screens beyond the overview: dates typed and picked as the screen writes them (issue 17), presets
filling the date fields, `<html lang>` and Quasar's language pack per page, and answers to clicks (toasts) in the
screen's language."""
import re
from datetime import timedelta

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlmodel import Session

from app.config import get_settings
from app.db import session_scope
from app.models import Role, utcnow
from app.models import User as UserRow
from app.services import displays
from components.stats_view import preset_range
from tests.factories import PASSWORD, actor, make_machine, make_user, report, seeded_category
from tests.pages.signin import WAIT, sign_in
from tests.pages.test_display import pair

pytestmark = pytest.mark.dates  # tests/clock.py: CI runs these at every pinned moment


def _person(session: Session, username: str, role: Role, language: str | None,
            machines: list[int] | None = None) -> UserRow:
    person = make_user(session, username, role, machines)
    person.language = language
    session.add(person)
    session.commit()
    return person


def _fields(user: User) -> dict[str, str]:
    return {str(e.props.get('label')): str(e.value) for e in user.find(ui.input).elements
            if e.props.get('label') in ('Von', 'Bis', 'From', 'To')}


async def test_statistics_dates_in_german_presets_fill_them_typed_dates_are_read(user: User) -> None:
    with session_scope() as session:
        _person(session, 'leiterin', Role.MANAGER, 'de')
    await sign_in(user, 'leiterin', PASSWORD, then='/statistics')
    await user.should_see(marker='kpi-table', retries=WAIT)
    assert user.client is not None and user.client.page.resolve_language() == 'de-DE'  # <html lang>, Quasar pack
    today = utcnow().astimezone(get_settings().zone).date()
    first, last = preset_range('Last 30 days', today)
    assert _fields(user) == {'Von': f'{first:%d.%m.%Y}', 'Bis': f'{last:%d.%m.%Y}'}
    user.find('Letzter Monat').click()
    first, last = preset_range('Last month', today)
    await user.should_see(f'{first:%d.%m.%Y} – {last:%d.%m.%Y}', retries=WAIT)
    assert _fields(user) == {'Von': f'{first:%d.%m.%Y}', 'Bis': f'{last:%d.%m.%Y}'}
    user.find(marker='date-from').clear().type('31.13.2026')
    user.find(marker='show-range').click()
    await user.should_see('Von: Datum bitte wie 03.11.2026 eingeben', retries=WAIT)  # the field, named
    day = today - timedelta(days=3)
    user.find(marker='date-from').clear().type(f'{day.day}.{day.month}.{day.year}')  # typed without zeros
    user.find(marker='date-to').clear().type(f'{today:%d.%m.%Y}')
    user.find(marker='show-range').click()
    await user.should_see(f'{day:%d.%m.%Y} – {today:%d.%m.%Y} (bisher)', retries=WAIT)


async def test_statistics_dates_in_english_read_what_the_calendar_picks(user: User) -> None:
    with session_scope() as session:
        _person(session, 'maria', Role.MANAGER, 'en')
    await sign_in(user, 'maria', PASSWORD, then='/statistics')
    await user.should_see(marker='kpi-table', retries=WAIT)
    assert user.client is not None and user.client.page.resolve_language() == 'en-GB'
    today = utcnow().astimezone(get_settings().zone).date()
    day = today - timedelta(days=1)
    calendar = user.find(marker='date-from-calendar').elements.pop()
    calendar.value = day.isoformat()  # a day picked in the calendar shows in the field as the screen writes it
    assert _fields(user)['From'] == f'{day:%d %b %Y}'
    user.find(marker='show-range').click()
    await user.should_see(f'{day:%d %b %Y} – {today:%d %b %Y} (so far)', retries=WAIT)


async def test_a_click_is_answered_in_the_screens_language(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = _person(session, 'techniker', Role.CTP_USER, 'de', [machine.id])  # type: ignore[list-item]
        log_id = report(session, tech, machine, start=utcnow() - timedelta(minutes=5))
    await sign_in(user, 'techniker', PASSWORD, then=f'/problem-logs/{log_id}')
    await user.should_see('Kommentare', retries=WAIT)
    user.find(marker='comment-add').click()
    await user.should_see('Bitte zuerst einen Kommentar eingeben', retries=WAIT)
    user.find(marker='complete').click()
    await user.should_see('Störung abschließen', retries=WAIT)
    await user.should_see('Behoben durch *')
    ended = str(user.find(marker='end-time').elements.pop().value)  # a moment as the screen writes one (issue 17)
    assert re.fullmatch(r'\d\d\. \w+\.? \d\d:\d\d', ended), ended


async def test_a_german_wall_names_the_problem_in_german(user: User) -> None:
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800', nickname='Magnus')
        tech = _person(session, 'tech1', Role.CTP_USER, None, [magnus.id])  # type: ignore[list-item]
        admin = make_user(session, 'boss', Role.ADMIN)
        info, code = displays.register_display(session, actor=actor(admin), name='Plattenraum')
        displays.set_language(session, actor=actor(admin), display_id=info.id, language='de')
        report(session, tech, magnus, start=utcnow() - timedelta(minutes=42),
               category_id=seeded_category(session, 'Plate loading / autoloader', 'Plate jam').id)
    await pair(user, code)
    await user.open('/display')
    await user.should_see('Plattenzufuhr / Autoloader – Plattenstau', retries=WAIT)
