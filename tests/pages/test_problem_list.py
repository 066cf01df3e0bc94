"""/problems: every problem in scope, found by a word of its description, filtered, paged on the server."""
import asyncio
import threading
from datetime import timedelta

import pytest
from nicegui.testing import User

from app.db import session_scope
from app.models import Role, utcnow
from app.models.schemas import ProblemLogPage
from components.problem_log_table import ProblemLogTable
from tests.factories import PASSWORD, make_machine, make_user, report
from tests.pages.signin import WAIT, sign_in


def _plant() -> tuple[int, int]:
    with session_scope() as session:
        magnus, avalon, hidden = (make_machine(session, name) for name in ('Magnus', 'Avalon', 'Hidden'))
        tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id, avalon.id])  # type: ignore[list-item]
        other = make_user(session, 'tech2', Role.CTP_USER, [magnus.id, avalon.id, hidden.id])  # type: ignore[list-item]
        report(session, tech, magnus, description='Vacuum pump noisy', start=utcnow() - timedelta(days=3))
        report(session, other, avalon, description='Banding on every plate')
        report(session, other, hidden, description='Vacuum leak on the hidden one')
        for index in range(22):
            report(session, other, avalon, description=f'Plate jam number {index}', is_stopping=False)
        return magnus.id, avalon.id  # type: ignore[return-value]


def _rows(user: User) -> list[dict[str, object]]:
    return user.find(marker='problem-table').elements.pop().rows  # type: ignore[attr-defined,no-any-return]


async def test_a_problem_is_found_by_a_word_of_its_description(user: User) -> None:
    _plant()
    await sign_in(user, 'tech1', PASSWORD)
    user.find(marker='see-all').click()
    await user.should_see(marker='problem-table', retries=WAIT)
    await user.should_see(marker='problem-count', content='24 problems', retries=WAIT)  # not the hidden machine's
    user.find(marker='search').type('vacuum')
    await user.should_see(marker='problem-count', content='1 problem', retries=WAIT)
    assert [row['description'] for row in _rows(user)] == ['Vacuum pump noisy']


async def test_filters_and_server_side_pages(user: User) -> None:
    magnus_id, _ = _plant()
    await sign_in(user, 'tech1', PASSWORD, then='/problems')
    await user.should_see(marker='problem-count', content='24 problems', retries=WAIT)
    assert len(_rows(user)) == 20  # one page in the browser
    user.find(marker='mine').click()
    await user.should_see(marker='problem-count', content='1 problem', retries=WAIT)
    user.find(marker='mine').click()
    user.find(marker='machine-select').elements.pop().value = magnus_id  # type: ignore[attr-defined]
    await user.should_see(marker='problem-count', content='1 problem', retries=WAIT)
    assert {row['machine'] for row in _rows(user)} == {'Magnus'}
    user.find(marker='machine-select').elements.pop().value = 0  # type: ignore[attr-defined]
    user.find(marker='status-select').elements.pop().value = 'open'  # type: ignore[attr-defined]
    await user.should_see(marker='problem-count', content='24 problems', retries=WAIT)
    assert {row['status'] for row in _rows(user)} == {'Open'}
    user.find(marker='period-select').elements.pop().value = 1  # type: ignore[attr-defined]
    await user.should_see(marker='problem-count', content='23 problems', retries=WAIT)  # not the one 3 days ago


async def test_a_slow_older_read_never_overwrites_the_newer_filters_answer(user: User,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Two filter changes in quick succession on a busy server: the first read answering last must not win."""
    _plant()
    await sign_in(user, 'tech1', PASSWORD, then='/problems')
    await user.should_see(marker='problem-count', content='24 problems', retries=WAIT)
    newer_done, read = threading.Event(), ProblemLogTable._read  # noqa: SLF001

    def slow_first(self: ProblemLogTable) -> ProblemLogPage:
        page = read(self)
        if self.period is not None and not self.period.value:  # the first change's read: answers last
            newer_done.wait(10)
        else:
            newer_done.set()
        return page

    monkeypatch.setattr(ProblemLogTable, '_read', slow_first)
    user.find(marker='status-select').elements.pop().value = 'open'  # type: ignore[attr-defined]
    await asyncio.sleep(0.3)  # its read has begun, with every period
    user.find(marker='period-select').elements.pop().value = 1  # type: ignore[attr-defined]
    await user.should_see(marker='problem-count', content='23 problems', retries=WAIT)
    await asyncio.sleep(0.5)  # the older read has answered by now
    await user.should_see(marker='problem-count', content='23 problems')
