"""No text bypasses translation: the first translated screens, walked in the pseudo language.

In the pseudo language 'xx' (CTP_LANGUAGE=xx, test settings only) every translated text and every formatted value
(durations, dates, times, numbers) is wrapped in ⟦…⟧. The rule for a visible text: remove every ⟦…⟧ span
(innermost first) and every data value this test created (machine names and nicknames, people's names, problem
descriptions, taxonomy names, the plant's name, its time zone); what is left may hold digits, spaces and punctuation,
but no letter. A letter left over is text that reached the screen without `_()`.
"""
import asyncio
import re
from datetime import timedelta

import pytest
from nicegui import Client, ui
from nicegui.testing import User
from sqlmodel import select

from app.config import get_settings
from app.db import session_scope
from app.i18n import LANGUAGE_NAMES
from app.models import CTPMachine, CTPProblemLog, Role, utcnow
from app.models import User as UserRow
from app.models.schemas import CommentCreate, ProblemLogUpdate
from app.services import comments, displays, problem_logs, taxonomy
from tests.factories import PASSWORD, actor, make_machine, make_user, report, seeded_category
from tests.pages.signin import WAIT, sign_in
from tests.pages.test_display import pair

INNERMOST = re.compile(r'⟦[^⟦⟧]*⟧')
LETTER = re.compile(r'[^\W\d_]')
TEXT_PROPS = ('text', 'label', 'placeholder', 'error-message', 'aria-label', 'hint')
TEMPLATE_TEXT = re.compile(r'(?<!:)label="([^"]*)"|>([^<>{}]+)<')  # ':label=' binds data: no text


@pytest.fixture(autouse=True)
def pseudo_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_LANGUAGE', 'xx')
    get_settings.cache_clear()


def _data() -> list[str]:
    """Every data value the screens may show, longest first (so 'Plate loading' goes before 'Plate')."""
    with session_scope() as session:
        names = [name for parent, children in taxonomy.list_tree(session) for category in [parent, *children]
                 for name in [category.name, *(category.names or {}).values()]]  # in every language
        names += list(session.exec(select(UserRow.name)))
        names += list(session.exec(select(UserRow.username)))
    names += ['Kodak Magnus Q800', 'Magnus', 'Agfa Avalon N8-90', 'Plate jam', 'Plattenraum', 'CTP Log',
              get_settings().plant_name, get_settings().timezone,
              *LANGUAGE_NAMES.values(), 'Excel', 'CSV']  # languages in their own words; file formats
    return sorted(set(names), key=len, reverse=True)


def _texts(client: Client) -> list[str]:
    """What the page shows as text: element texts and labels, option labels, slot templates, its title."""
    texts = [str(client.title or '')]
    for element in client.elements.values():
        if isinstance(element, ui.icon):  # an icon's name is a glyph, not text
            continue
        icon = element.props.get('icon')
        texts += [str(item) for item in element._displayed_contents(only_visible=False)  # noqa: SLF001
                  if item not in (None, '', icon)]
        texts += [str(element.props.get(key) or '') for key in TEXT_PROPS if key not in ('text', 'label')]
        texts += [str(label) for label in getattr(element, '_labels', [])]
        for slot in element.slots.values():
            texts += [a or b for a, b in TEMPLATE_TEXT.findall(slot.template or '')]
    return [text for text in texts if text.strip()]


def _bypassed(client: Client) -> list[str]:
    data = _data()
    left = []
    for text in _texts(client):
        rest = text
        while INNERMOST.search(rest):
            rest = INNERMOST.sub(' ', rest)
        for value in data:
            rest = rest.replace(value, ' ')
        if LETTER.search(rest):
            left.append(text)
    return sorted(set(left))


def _world() -> tuple[int, int]:
    with session_scope() as session:
        down = make_machine(session, 'Kodak Magnus Q800', nickname='Magnus')
        running = make_machine(session, 'Agfa Avalon N8-90')
        tech = make_user(session, 'tech1', Role.CTP_USER, [down.id, running.id])  # type: ignore[list-item]
        report(session, tech, down, start=utcnow() - timedelta(minutes=83),
               category_id=seeded_category(session, 'Plate loading / autoloader', 'Plate jam').id)
        return down.id, running.id  # type: ignore[return-value]


def test_pseudo_language_is_in_use() -> None:
    from app import i18n
    assert i18n._('Overview') == '⟦Overview⟧'


async def test_sign_in_page_has_no_untranslated_text(user: User) -> None:
    await user.open('/login')
    await user.should_see(marker='sign-in')
    assert user.client is not None and _bypassed(user.client) == []


async def test_overview_and_frame_have_no_untranslated_text(user: User) -> None:
    down, _running = _world()
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see(marker=f'machine-{down}', content='⟦DOWN⟧', retries=WAIT)
    await user.should_see(marker='board-summary', content='⟦')
    assert user.client is not None and _bypassed(user.client) == []


async def test_report_form_has_no_untranslated_text(user: User) -> None:
    down, _running = _world()
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{down}/report')
    await user.should_see(marker='submit-down', retries=WAIT)
    user.find(marker=f'subsystem-{_first_subsystem()}').click()  # the symptom chips and their heading too
    await user.should_see(marker='symptoms')
    assert user.client is not None and _bypassed(user.client) == []


def _first_subsystem() -> int:
    with session_scope() as session:
        return taxonomy.list_tree(session)[0][0].id  # type: ignore[return-value]


async def test_not_allowed_page_has_no_untranslated_text(user: User) -> None:
    down, _running = _world()
    with session_scope() as session:
        make_user(session, 'viewer', Role.MANAGER)
    await sign_in(user, 'viewer', PASSWORD, then=f'/machines/{down}/report')
    await user.should_see(marker='refusal', retries=WAIT)
    assert user.client is not None and _bypassed(user.client) == []


async def test_not_found_page_has_no_untranslated_text(user: User) -> None:
    _world()
    await sign_in(user, 'tech1', PASSWORD, then='/machines/99999/report')
    await user.should_see(marker='refusal', retries=WAIT)
    assert user.client is not None and _bypassed(user.client) == []


async def test_wall_board_has_no_untranslated_text(user: User) -> None:
    _world()
    with session_scope() as session:
        admin = make_user(session, 'boss', Role.ADMIN)
        _info, code = displays.register_display(session, actor=actor(admin), name='Plattenraum')
    await pair(user, code)
    await user.open('/display')
    await user.should_see('⟦DOWN⟧', retries=WAIT)
    await user.should_see('⟦NOT ACKNOWLEDGED⟧', retries=WAIT)
    assert user.client is not None and _bypassed(user.client) == []
    assert '⟦DATA STALE since' in user.client.body_html


async def test_unpaired_screen_has_no_untranslated_text(user: User) -> None:
    await user.open('/display')
    await user.should_see(marker='not-paired', retries=WAIT)
    assert user.client is not None and _bypassed(user.client) == []


def test_the_rule_catches_a_text_that_bypassed_translation() -> None:
    """The walk's own check: marked texts and data pass, a bare word fails."""
    rest = INNERMOST.sub(' ', INNERMOST.sub(' ', '⟦Who: ⟦UNASSIGNED⟧⟧ · 12:05'))
    assert not LETTER.search(rest)
    assert LETTER.search(INNERMOST.sub(' ', '⟦Today: ⟦0 min⟧ down⟧ and more'))


URL = re.compile(r'https?://\S+|data:\S+')  # a label's or pairing link's address is data, not text


def _staff_world() -> int:
    """The technician's world, an admin with a display, and a comment and a notification: returns the problem."""
    _down, _running = _world()
    with session_scope() as session:
        admin = make_user(session, 'boss', Role.ADMIN)
        displays.register_display(session, actor=actor(admin), name='Plattenraum')
        running = session.get(CTPMachine, _running)
        assert running is not None
        log_id = report(session, admin, running, start=utcnow() - timedelta(hours=2), is_stopping=False)
        comments.add_comment(session, actor=actor(admin), log_id=log_id, comment_in=CommentCreate(body='Plate jam'))
        return log_id


def _unmarked(client: Client) -> list[str]:
    return [text for text in _bypassed(client) if LETTER.search(URL.sub(' ', text))
            and LETTER.search(INNERMOST.sub(' ', URL.sub(' ', text)))]


ADMIN_SCREENS = ['/admin', '/admin/users', '/admin/machines', '/admin/taxonomy', '/admin/calendar', '/admin/displays',
                 '/labels', '/statistics', '/machines/{machine}', '/reports/monthly/{machine}', '/problems',
                 '/problem-logs/{log}', '/notifications', '/profile']


@pytest.mark.parametrize('path', ADMIN_SCREENS)
async def test_every_admin_screen_has_no_untranslated_text(user: User, path: str) -> None:
    log_id = _staff_world()
    with session_scope() as session:
        machine = session.exec(select(CTPMachine).where(CTPMachine.name == 'Kodak Magnus Q800')).one().id
    await sign_in(user, 'boss', PASSWORD, then=path.format(machine=machine, log=log_id))
    await user.should_see(marker='user-menu', retries=WAIT)
    await asyncio.sleep(0.3)  # lists that fill after the page shows (tokens, bell)
    assert user.client is not None and _unmarked(user.client) == []


@pytest.mark.parametrize('path', ['/problems', '/problem-logs/{log}', '/machines/{machine}', '/notifications',
                                  '/profile'])
async def test_every_technician_screen_has_no_untranslated_text(user: User, path: str) -> None:
    log_id = _staff_world()
    with session_scope() as session:
        machine = session.exec(select(CTPMachine).where(CTPMachine.name == 'Kodak Magnus Q800')).one().id
    await sign_in(user, 'tech1', PASSWORD, then=path.format(machine=machine, log=log_id))
    await user.should_see(marker='user-menu', retries=WAIT)
    await asyncio.sleep(0.3)
    assert user.client is not None and _unmarked(user.client) == []


async def test_problem_dialogs_and_drill_down_have_no_untranslated_text(user: User) -> None:
    _staff_world()
    with session_scope() as session:  # the technician's problem, taken by them: the admin may hand it over
        log = session.exec(select(CTPProblemLog).where(CTPProblemLog.problem_description == 'Plate jam')).first()
        tech = session.exec(select(UserRow).where(UserRow.username == 'tech1')).one()
        assert log is not None and log.id is not None
        log_id = log.id
        problem_logs.update_problem(session, actor=actor(tech), log_id=log_id,
                                    changes=ProblemLogUpdate(version=log.version, status='in_progress'))
    await sign_in(user, 'boss', PASSWORD, then=f'/problem-logs/{log_id}')
    for button, dialog in (('complete', 'complete-dialog'), ('edit', 'edit-dialog'), ('vendor', 'vendor-dialog'),
                           ('hand-over', 'hand-over-dialog')):
        user.find(marker=button).click()
        await user.should_see(marker=dialog, retries=WAIT)
        assert user.client is not None and _unmarked(user.client) == [], button
        user.find(marker=dialog).elements.pop().parent_slot.parent.close()  # type: ignore[union-attr]
    await user.open('/statistics')
    await user.should_see(marker='kpi-table', retries=WAIT)
    user.find(marker='kpi-table').trigger('rowClick', [{}, {'id': 0}])
    await user.should_see(marker='drill-down', retries=WAIT)
    assert user.client is not None and _unmarked(user.client) == []
