"""An out-of-limits reading pre-fills the problem in the technician's language, numbers with its separators."""
from dataclasses import dataclass

from app import i18n
from app.services.maintenance.limits import problem_text


@dataclass
class Step:
    label: str = 'Developer conductivity'
    unit: str | None = 'mS/cm'
    min_value: float | None = 70
    max_value: float | None = 90


def test_the_problem_text_of_a_reading_speaks_the_screens_language() -> None:
    assert problem_text(Step(), 95.5) == 'Developer conductivity: 95.5 mS/cm (limits 70–90 mS/cm)'
    with i18n.language('de'):
        assert problem_text(Step(), 95.5) == 'Developer conductivity: 95,5 mS/cm (Grenzwerte 70–90 mS/cm)'
        assert problem_text(Step(min_value=7.5, max_value=None), 1234) is None
        assert problem_text(Step(min_value=None, max_value=1000), 1234) == \
            'Developer conductivity: 1.234 mS/cm (Grenzwerte –1.000 mS/cm)'
