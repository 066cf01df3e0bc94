"""The board's rows are read once for every screen, but each screen names a problem's category in its own language
(a German technician's overview on an English plant: 'Plattenzufuhr / Autoloader – Plattenstau')."""
import asyncio

from sqlmodel import Session

from app import events
from app.models import Role
from app.services import board_cache
from tests.factories import make_machine, make_user, report, seeded_category

ENGLISH, GERMAN = 'Plate loading / autoloader – Plate jam', 'Plattenzufuhr / Autoloader – Plattenstau'


async def test_each_language_reads_the_category_in_its_own_words(session: Session) -> None:
    events.bind_loop(asyncio.get_running_loop())
    magnus = make_machine(session, 'Kodak Magnus Q800')
    tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    jam = seeded_category(session, 'Plate loading / autoloader', 'Plate jam')
    report(session, tech, magnus, category_id=jam.id)
    before = board_cache.read_count()
    for _ in range(2):
        german = board_cache.board_rows(None, 'de')[0].open_problem
        english = board_cache.board_rows(None, 'en')[0].open_problem
        assert german is not None and english is not None
        assert (german.category, english.category) == (GERMAN, ENGLISH)
    assert board_cache.read_count() - before == 1  # still one read of the rows for every screen
    assert board_cache.board_rows(None)[0].open_problem.category == ENGLISH  # type: ignore[union-attr]
    recent = {code: board_cache.recent_problems(None, code)[0] for code in ('de', 'en')}
    assert (recent['de'].category, recent['de'].subsystem) == (GERMAN, 'Plattenzufuhr / Autoloader')
    assert (recent['en'].category, recent['en'].subsystem) == (ENGLISH, 'Plate loading / autoloader')
