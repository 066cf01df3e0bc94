"""The time ledger's pure rules: states from DeviceInfo, intervals that add up to calendar time, silence as
"no data" (never "down"), out-of-order signals, duplicates and clock skew."""
from datetime import UTC, datetime, timedelta

import pytest

from app.services.jmf.ledger import (
    Interval,
    Observation,
    State,
    build_intervals,
    classify,
    effective_time,
    is_failure,
    totals,
)

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
SILENCE = timedelta(minutes=5)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def shape(intervals: list[Interval]) -> list[tuple[float, float, State]]:
    return [((i.start - T0).total_seconds() / 60, (i.end - T0).total_seconds() / 60, i.state) for i in intervals]


@pytest.mark.parametrize(('status', 'details', 'condition', 'state'), [
    ('Running', (), 'OK', State.PRODUCTION), ('Production', (), '', State.PRODUCTION),
    ('Idle', (), 'OK', State.STANDBY), ('Setup', ('WarmingUp',), 'OK', State.SETUP), ('Cleanup', (), '', State.SETUP),
    ('Stopped', ('Maintenance',), 'OK', State.STOPPED), ('Stopped', ('Pause',), 'OK', State.STOPPED),
    ('NonProductive', (), 'OK', State.STOPPED),
    ('Stopped', ('PaperJam',), 'NeedsAttention', State.DOWN), ('Stopped', ('CoverOpen',), '', State.DOWN),
    ('Stopped', ('DoorOpen',), '', State.DOWN), ('Stopped', ('MissResources',), '', State.DOWN),
    ('Stopped', ('Failure',), '', State.DOWN), ('Stopped', (), 'Failure', State.DOWN),
    ('Down', ('BreakDown',), 'Failure', State.DOWN), ('Down', ('Repair',), '', State.DOWN),
    ('Down', (), '', State.DOWN),
    ('Offline', (), '', State.DOWN), ('Unknown', (), '', State.NO_DATA), ('Sleeping', (), '', State.NO_DATA),
])
def test_classify(status: str, details: tuple[str, ...], condition: str, state: State) -> None:
    assert classify(status, details, condition) == state
    assert is_failure(status, details, condition) == (state == State.DOWN)


def test_intervals_cover_the_window_exactly() -> None:
    signals = [Observation(at(-1), State.STANDBY), Observation(at(2), State.PRODUCTION), Observation(at(4), State.DOWN),
               Observation(at(7), State.PRODUCTION)]
    intervals = build_intervals(signals, T0, at(10), SILENCE)
    assert shape(intervals) == [(0, 2, State.STANDBY), (2, 4, State.PRODUCTION), (4, 7, State.DOWN),
                                (7, 10, State.PRODUCTION)]
    assert sum(totals(intervals).values()) == 600


def test_silence_becomes_no_data_never_down() -> None:
    signals = [Observation(at(0), State.DOWN), Observation(at(20), State.PRODUCTION)]
    assert shape(build_intervals(signals, T0, at(30), SILENCE)) == [
        (0, 5, State.DOWN), (5, 20, State.NO_DATA), (20, 25, State.PRODUCTION), (25, 30, State.NO_DATA)]


def test_no_signal_at_all_is_no_data() -> None:
    assert shape(build_intervals([], T0, at(60), SILENCE)) == [(0, 60, State.NO_DATA)]
    assert build_intervals([], T0, T0, SILENCE) == []


def test_out_of_order_and_duplicate_signals_give_the_same_ledger() -> None:
    ordered = [Observation(at(1), State.PRODUCTION), Observation(at(3), State.DOWN), Observation(at(4), State.STANDBY)]
    shuffled = [ordered[2], ordered[0], ordered[1], ordered[0], ordered[2]]
    assert build_intervals(shuffled, T0, at(6), SILENCE) == build_intervals(ordered, T0, at(6), SILENCE)


def test_repeated_states_merge_into_one_interval() -> None:
    repeats = [Observation(at(m), State.PRODUCTION) for m in range(0, 10)]
    assert shape(build_intervals(repeats, T0, at(10), SILENCE)) == [(0, 10, State.PRODUCTION)]


def test_two_states_at_one_instant_the_last_received_wins() -> None:
    signals = [Observation(at(1), State.DOWN), Observation(at(1), State.PRODUCTION)]
    assert shape(build_intervals(signals, T0, at(2), SILENCE)) == [(0, 1, State.NO_DATA), (1, 2, State.PRODUCTION)]


def test_a_signal_before_the_window_carries_in_only_within_the_silence_limit() -> None:
    assert shape(build_intervals([Observation(at(-3), State.SETUP)], T0, at(4), SILENCE)) == [
        (0, 2, State.SETUP), (2, 4, State.NO_DATA)]
    assert shape(build_intervals([Observation(at(-9), State.SETUP)], T0, at(4), SILENCE)) == [(0, 4, State.NO_DATA)]


def test_signals_after_the_window_are_ignored() -> None:
    signals = [Observation(at(1), State.PRODUCTION), Observation(at(30), State.DOWN)]
    assert shape(build_intervals(signals, T0, at(3), SILENCE)) == [(0, 1, State.NO_DATA), (1, 3, State.PRODUCTION)]


def test_clock_skew_uses_the_receipt_time() -> None:
    received = at(10)
    tolerance = timedelta(minutes=5)
    assert effective_time(at(8), received, tolerance) == at(8)            # a little behind: the device's time
    assert effective_time(at(12), received, tolerance) == at(12)          # a little ahead: still the device's time
    assert effective_time(at(-600), received, tolerance) == received      # a clock hours off: our receipt time
    assert effective_time(at(70), received, tolerance) == received
    assert effective_time(None, received, tolerance) == received


def test_totals_list_every_state() -> None:
    assert totals([]) == dict.fromkeys(State, 0.0)
