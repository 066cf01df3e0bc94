"""Admins change the plant's operating calendar (app/services/calendar.py reads it); the daily roll-up, which
holds operating hours, is recomputed in the same transaction."""
from datetime import date

from sqlalchemy import delete
from sqlmodel import Session

from app.db import rolls_back
from app.errors import InvalidInput
from app.i18n import N_
from app.models import OperatingWindow, PlantClosure
from app.services import rollup
from app.services.access import Action, Actor, require


@rolls_back
def set_weekly_windows(session: Session, *, actor: Actor, windows: list[tuple[int, int, int]]) -> None:
    """Admin: replace the weekly shift windows (weekday 0 = Monday, minutes from local midnight)."""
    require(actor, Action.ADMINISTER)
    for weekday, first, last in windows:
        if not (0 <= weekday <= 6 and 0 <= first < last <= 1440):
            raise InvalidInput(N_('a window is weekday 0-6 with 0 <= start < end <= 1440 minutes'), field='windows')
    session.execute(delete(OperatingWindow))
    for weekday, first, last in windows:
        session.add(OperatingWindow(weekday=weekday, start_minute=first, end_minute=last))
    _rebuild_rollup(session)
    session.commit()


@rolls_back
def set_closures(session: Session, *, actor: Actor, days: dict[date, str | None]) -> None:
    """Admin: replace the list of closed days."""
    require(actor, Action.ADMINISTER)
    session.execute(delete(PlantClosure))
    for day, reason in sorted(days.items()):
        session.add(PlantClosure(day=day, reason=reason))
    _rebuild_rollup(session)
    session.commit()


def _rebuild_rollup(session: Session) -> None:
    """Operating hours are in the daily roll-up: recompute it in the same transaction."""
    session.flush()
    rollup.rebuild(session)
