"""A small reference implementation of DOMAIN.md §4 (segments of the lifecycle) and §5 (the KPIs), written apart
from app/services: plain Python over a model of the problems, used by the property test to check the statistics.
"""
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SKEW = timedelta(minutes=2)
Span = tuple[datetime, datetime]


@dataclass
class Problem:
    id: int
    machine: int
    start: datetime
    created: datetime
    stopping: bool
    planned: bool
    fault: bool  # a machine fault (not workflow/RIP)
    subsystem: str
    status: str = 'open'
    end: datetime | None = None
    acked: datetime | None = None
    reopens: int = 0
    segments: list[list[datetime | None]] = field(default_factory=list)  # [down, up or None]


class Refused(Exception):
    """The rules refuse this change; the service must refuse it too."""


def fit(p: Problem, start: datetime, end: datetime | None, stopping: bool) -> list[list[datetime | None]]:
    """The segments after an edit (§4 "recompute segments", §5.12-13): history kept, never inverted or overlapping."""
    segments = [list(s) for s in p.segments]
    if not segments:
        if not stopping:
            return segments
        segments = [[start, None]]
    segments[0][0] = start
    if p.status == 'completed' and end is not None:
        segments[-1][1] = end
    for i, (down, up) in enumerate(segments):
        if up is not None and up < down:  # type: ignore[operator]
            raise Refused('inverted')
        if i and (segments[i - 1][1] is None or segments[i - 1][1] > down):  # type: ignore[operator]
            raise Refused('out of order')
    return segments


def check_times(start: datetime, end: datetime | None, now: datetime) -> None:
    if start > now + SKEW or (end is not None and (end < start or end > now + SKEW)):
        raise Refused('times')


def union(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def measure(spans: list[Span], cut: list[Span]) -> float:
    """Seconds of the union of `spans` inside the union of `cut`."""
    total = 0.0
    for a, b in union(spans):
        for c, d in cut:
            total += max(0.0, (min(b, d) - max(a, c)).total_seconds())
    return total


def shifts(windows: list[tuple[int, int, int]], start: datetime, end: datetime, zone: ZoneInfo) -> list[Span]:
    """Operating hours: the weekly local windows between two instants; none means 24/7."""
    if not windows:
        return [(start, end)]
    result = []
    day: date = start.astimezone(zone).date() - timedelta(days=1)
    while day <= end.astimezone(zone).date():
        for weekday, first, last in windows:
            if weekday == day.weekday():
                a = datetime.combine(day, time(first // 60, first % 60), zone).astimezone(UTC)
                b = datetime.combine(day + timedelta(days=last // 1440), time(last % 1440 // 60, last % 60), zone)
                result.append((max(a, start), min(b.astimezone(UTC), end)))
        day += timedelta(days=1)
    return union([(a, b) for a, b in result if a < b])


def kpis(problems: list[Problem], machine: int, start: datetime, end: datetime, now: datetime,
         windows: list[tuple[int, int, int]], zone: ZoneInfo) -> dict[str, object]:
    """The figures of one machine for [start, end), cut at now (machines here live long before)."""
    end = min(end, now)
    if end <= start:
        return {'window_minutes': 0.0}
    window = [(start, end)]
    ops = shifts(windows, start, end, zone)
    live = [p for p in problems if p.machine == machine and p.status != 'cancelled']
    stops = [(p, down, up or now) for p in live if p.stopping for down, up in p.segments if (up or now) > down]
    faults = [(p, a, b) for p, a, b in stops if p.fault]
    unplanned = [(a, b) for p, a, b in faults if not p.planned]
    every = [(a, b) for _, a, b in faults]
    counted = [p for p in live if p.fault and start <= p.start < end]
    acks = [(p.acked - p.created).total_seconds() for p in counted if p.acked is not None]
    failures = [p for p in counted if not p.planned]
    episodes = _episodes([(p, a, b) for p, a, b in faults if not p.planned])
    started = [seconds for first, seconds in episodes if start <= first < end]
    others = [p for p in live if not p.fault and start <= p.start < end]
    return {
        'window_minutes': (end - start).total_seconds() / 60,
        'operating_minutes': sum((b - a).total_seconds() for a, b in ops) / 60,
        'unplanned_downtime_minutes': measure(unplanned, window) / 60,
        'unplanned_operating_downtime_minutes': measure(unplanned, ops) / 60,
        'planned_downtime_minutes': (measure(every, window) - measure(unplanned, window)) / 60,
        'planned_operating_minutes': (measure(every, ops) - measure(unplanned, ops)) / 60,
        'episodes': len(started), 'episode_minutes': sum(started) / 60,
        'problem_count': len(counted), 'planned_count': len(counted) - len(failures),
        'ack_count': len(acks), 'mtta_minutes': sum(acks) / len(acks) / 60 if acks else None,
        'reopened_failures': sum(1 for p in failures if p.reopens), 'reopen_count': sum(p.reopens for p in failures),
        'not_machine_fault_count': len(others),
        'not_machine_fault_minutes': measure([(a, b) for p, a, b in stops if not p.fault], window) / 60,
        'causes': _pareto([(p, a, b) for p, a, b in faults if not p.planned], start, end),
    }


def _episodes(stops: list[tuple[Problem, datetime, datetime]]) -> list[tuple[datetime, float]]:
    """Failures: stops joined when they overlap or belong to one problem (§5.12); (first down, union seconds)."""
    groups: list[tuple[set[int], list[Span]]] = []
    for p, a, b in sorted(stops, key=lambda s: (s[1], s[2], s[0].id)):
        joined = [g for g in groups if p.id in g[0] or any(c <= b and a <= d for c, d in g[1])]
        ids, spans = {p.id}, [(a, b)]
        for g in joined:
            ids |= g[0]
            spans += g[1]
            groups.remove(g)
        groups.append((ids, spans))
    return [(min(a for a, _ in spans), measure(spans, [(min(a for a, _ in spans), max(b for _, b in spans))]))
            for _, spans in groups]


def _pareto(stops: list[tuple[Problem, datetime, datetime]], start: datetime, end: datetime) -> dict[str, float]:
    """Each minute once, to the stop that went down first (§5.17), in minutes per subsystem."""
    result: dict[str, float] = {}
    covered: datetime | None = None
    for p, a, b in sorted(stops, key=lambda s: (s[1], s[2], s[0].id)):
        lo = max(a, covered, start) if covered else max(a, start)
        seconds = max(0.0, (min(b, end) - lo).total_seconds())
        if seconds:
            result[p.subsystem] = result.get(p.subsystem, 0.0) + seconds / 60
        covered = max(covered, b) if covered else b
    return result
