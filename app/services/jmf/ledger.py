"""The time ledger: device states normalised into non-overlapping intervals that add up to calendar time.

Pure functions (no database) do the work; `machine_ledger` only feeds them the stored signals. A signal's state
holds until the next signal, but never longer than the silence limit: after that the time is "no data" (the
watchdog rule), never "down".
"""
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlmodel import Session, col

from app.config import get_settings
from app.db import select_rows
from app.models import JmfSignal


class State(StrEnum):
    PRODUCTION = 'production'
    STANDBY = 'standby'
    SETUP = 'setup'          # setup and cleanup
    STOPPED = 'stopped'      # planned or harmless stops (Pause, Maintenance, WaitForApproval, ...)
    DOWN = 'down'            # failure
    NO_DATA = 'no_data'


# StatusDetails (with Stopped/NonProductive) and DeviceCondition values that mean a failure.
FAILURE_DETAILS = frozenset({'BreakDown', 'Repair', 'Failure', 'PaperJam', 'CoverOpen', 'DoorOpen', 'MissResources'})
FAILURE_STATUSES = frozenset({'Down', 'Offline'})           # JMF 1.x Down; XJMF 2.x Offline (JMF Down/Unknown)
STOPPED_STATUSES = frozenset({'Stopped', 'NonProductive'})
STATES = {'Running': State.PRODUCTION, 'Production': State.PRODUCTION, 'Idle': State.STANDBY,
          'Setup': State.SETUP, 'Cleanup': State.SETUP, 'Unknown': State.NO_DATA}


def is_failure(status: str, details: Iterable[str], condition: str) -> bool:
    """Down/Offline, or a Stopped whose StatusDetails or DeviceCondition say failure."""
    if status in FAILURE_STATUSES:
        return True
    return status in STOPPED_STATUSES and (condition == 'Failure' or not FAILURE_DETAILS.isdisjoint(details))


def classify(status: str, details: Iterable[str], condition: str) -> State:
    """The ledger state of a DeviceInfo (JMF @DeviceStatus or XJMF @Status); unknown words are "no data"."""
    if is_failure(status, tuple(details), condition):
        return State.DOWN
    if status in STOPPED_STATUSES:
        return State.STOPPED
    return STATES.get(status, State.NO_DATA)


def effective_time(sent: datetime | None, received: datetime, tolerance: timedelta) -> datetime:
    """The device's time, unless it is missing or further than `tolerance` from the receipt (clock skew)."""
    if sent is None or abs(sent - received) > tolerance:
        return received
    return sent


@dataclass(frozen=True)
class Observation:
    at: datetime
    state: State


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime
    state: State

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def build_intervals(observations: Sequence[Observation], start: datetime, end: datetime,
                    silence: timedelta) -> list[Interval]:
    """Intervals covering [start, end) exactly, in order, without overlaps, adjacent equal states merged.

    Observations may come in any order and repeat; of several at the same instant the last one given wins.
    Pass the observations from `start - silence` on, so the state at `start` is known.
    """
    if end <= start:
        return []
    latest: dict[datetime, State] = {}
    for observation in observations:
        latest[observation.at] = observation.state
    times = sorted(latest)
    pieces = []
    for index, at in enumerate(times):
        following = times[index + 1] if index + 1 < len(times) else end
        pieces.append(Interval(at, min(following, at + silence), latest[at]))
    return _merge(_clip(pieces, start, end))


def _clip(pieces: list[Interval], start: datetime, end: datetime) -> list[Interval]:
    result, cursor = [], start
    for piece in pieces:
        begin, finish = max(piece.start, cursor), min(piece.end, end)
        if finish <= begin:
            continue
        if begin > cursor:
            result.append(Interval(cursor, begin, State.NO_DATA))
        result.append(Interval(begin, finish, piece.state))
        cursor = finish
    if cursor < end:
        result.append(Interval(cursor, end, State.NO_DATA))
    return result


def _merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for interval in intervals:
        if merged and merged[-1].state == interval.state and merged[-1].end == interval.start:
            merged[-1] = Interval(merged[-1].start, interval.end, interval.state)
        else:
            merged.append(interval)
    return merged


def totals(intervals: Iterable[Interval]) -> dict[State, float]:
    """Seconds per state (every state present, zeros included)."""
    result = dict.fromkeys(State, 0.0)
    for interval in intervals:
        result[interval.state] += interval.seconds
    return result


def machine_ledger(session: Session, machine_id: int, start: datetime, end: datetime) -> list[Interval]:
    """The stored signals of a machine turned into its ledger for [start, end)."""
    silence = timedelta(minutes=get_settings().jmf_silence_minutes)
    rows = select_rows(session, select(col(JmfSignal.at), col(JmfSignal.state)).where(
        col(JmfSignal.machine_id) == machine_id, col(JmfSignal.at) >= start - silence, col(JmfSignal.at) < end)
        .order_by(col(JmfSignal.at), col(JmfSignal.id))).all()
    return build_intervals([Observation(at, State(state)) for at, state in rows], start, end, silence)
