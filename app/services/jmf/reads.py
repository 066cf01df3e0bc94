"""What people may read of the machines' own reports: the ledger and raw signals (admins), meters and stops."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from app.db import select_rows
from app.errors import InvalidInput
from app.models import JmfSignal, utcnow
from app.services.access import Action, Actor, require, require_machine_visible
from app.services.jmf import counters, ledger, stops

MAX_WINDOW = timedelta(days=93)
DEFAULT_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class LedgerView:
    machine_id: int
    start: datetime
    end: datetime
    intervals: list[ledger.Interval]
    seconds: dict[ledger.State, float]
    micro_stops: int


def window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """[start, end): the last day by default, at most 93 days, never reaching past now."""
    end = min(end or utcnow(), utcnow())
    start = start or end - DEFAULT_WINDOW
    if start >= end:
        raise InvalidInput('start must be before end (and before now)', field='start')
    if end - start > MAX_WINDOW:
        raise InvalidInput(f'a window spans at most {MAX_WINDOW.days} days', field='start')
    return start, end


def read_ledger(session: Session, *, actor: Actor, machine_id: int, start: datetime | None = None,
                end: datetime | None = None) -> LedgerView:
    """Admin: the machine's state intervals over the window, adding up to its length."""
    require(actor, Action.ADMINISTER)
    require_machine_visible(session, actor, machine_id)
    start, end = window(start, end)
    intervals = ledger.machine_ledger(session, machine_id, start, end)
    return LedgerView(machine_id=machine_id, start=start, end=end, intervals=intervals,
                      seconds=ledger.totals(intervals),
                      micro_stops=stops.micro_stop_count(session, machine_id, start, end))


def read_signals(session: Session, *, actor: Actor, machine_id: int, limit: int = 100) -> list[JmfSignal]:
    """Admin: the machine's latest raw signals, newest first."""
    require(actor, Action.ADMINISTER)
    require_machine_visible(session, actor, machine_id)
    return list(select_rows(session, select(JmfSignal).where(col(JmfSignal.machine_id) == machine_id)
                             .order_by(col(JmfSignal.at).desc(), col(JmfSignal.id).desc()).limit(limit)).scalars())


def read_meters(session: Session, *, actor: Actor, machine_id: int, start: datetime | None = None,
                end: datetime | None = None) -> list[counters.MeterSummary]:
    """A machine in scope: each meter's latest value and its increase over the window."""
    require(actor, Action.READ)
    require_machine_visible(session, actor, machine_id)
    start, end = window(start, end)
    return counters.meters(session, machine_id, start, end)
