"""The date range a statistics screen shows, in the screen's language."""
from datetime import date

from app import i18n
from app.i18n import _


def range_text(first: date, last: date, today: date) -> str:
    """'01 Nov 2026 – 06 Dec 2026 (so far)' / '01.11.2026 – 06.12.2026 (bisher)'."""
    shown = f'{i18n.date_text(first)} – {i18n.date_text(last)}'
    return _('{range} (so far)').format(range=shown) if last >= today else shown
