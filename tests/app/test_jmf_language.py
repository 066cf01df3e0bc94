"""What the machine writes into a stop's problem (its description, the solution when it runs again) is stored text,
written in the plant's own language like the rest of its log."""
import pytest
from sqlmodel import Session

from app.config import get_settings
from app.models import Role
from app.services.jmf import links
from tests.app.test_jmf_stops import at, problems, signal
from tests.factories import actor, make_machine, make_user


@pytest.mark.parametrize(('language', 'description', 'solution'), [
    ('en', 'Unexplained stop reported by the machine: Stopped PaperJam, DeviceCondition NeedsAttention. '
           'Why did it stop?', 'Running again at 10:43:00 (reported by the machine).'),
    ('de', 'Ungeklärter Stillstand, von der Maschine gemeldet: Stopped PaperJam, DeviceCondition NeedsAttention. '
           'Warum stand sie?', 'Läuft wieder seit 10:43:00 (von der Maschine gemeldet).')])
def test_the_machines_words_are_in_the_plants_language(session: Session, monkeypatch: pytest.MonkeyPatch,
                                                       language: str, description: str, solution: str) -> None:
    monkeypatch.setenv('CTP_LANGUAGE', language)
    get_settings.cache_clear()
    machine = make_machine(session)
    admin = make_user(session, 'boss', Role.ADMIN)
    info, _ = links.create_link(session, actor=actor(admin), machine_id=machine.id, sender_id='MAGNUS')  # type: ignore[arg-type]
    signal(session, info.id, 'Running', at(0))
    signal(session, info.id, 'Stopped', at(1), 'PaperJam', condition='NeedsAttention')
    [log] = problems(session)
    assert log.problem_description == description
    signal(session, info.id, 'Running', at(43))  # 09:43 UTC: 10:43 in the plant (Europe/Berlin, winter)
    [log] = problems(session)
    assert log.solution == solution
