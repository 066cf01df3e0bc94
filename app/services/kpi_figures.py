"""The KPI figures of a machine or the plant over a window (DOMAIN.md §5), and plant totals as sums of events.

Minutes are floats, rounded only for display; ratios and means follow from the sums, so a plant figure is never a
mean of machine means (§5.14)."""
from dataclasses import dataclass, field

from app.i18n import N_


@dataclass
class CauseRow:
    subsystem: str
    minutes: float
    count: int


@dataclass
class MachineStats:
    """The KPIs of one machine (or the plant) over a window; minutes are floats, rounded only for display."""

    machine_id: int | None
    window_minutes: float
    operating_minutes: float = 0.0
    problem_count: int = 0
    failure_count: int = 0
    planned_count: int = 0
    episodes: int = 0
    unplanned_downtime_minutes: float = 0.0
    unplanned_operating_downtime_minutes: float = 0.0
    planned_downtime_minutes: float = 0.0
    planned_operating_minutes: float = 0.0
    episode_minutes: float = 0.0
    mtta_minutes: float | None = None
    ack_count: int = 0  # n of MTTA: the acknowledgements
    vendor_response_minutes: float | None = None
    vendor_count: int = 0  # n of the vendor response: the visits
    plates_lost: int = 0
    reopened_failures: int = 0  # failures reopened at least once
    reopen_count: int = 0
    not_machine_fault_count: int = 0  # workflow/RIP and the like: reported on their own, never dropped
    not_machine_fault_minutes: float = 0.0
    top_causes: list[CauseRow] = field(default_factory=list)

    @property
    def counted(self) -> bool:
        """Some of the window lies in the machine's life and before now (DOMAIN.md §5.15-16); else no KPIs."""
        return self.window_minutes > 0

    @property
    def planned_operating_time(self) -> float:
        """P: operating minutes minus planned downtime inside them."""
        return max(0.0, self.operating_minutes - self.planned_operating_minutes)

    @property
    def availability(self) -> float | None:
        p = self.planned_operating_time
        return (p - self.unplanned_operating_downtime_minutes) / p if p > 0 else None

    @property
    def availability_24_7(self) -> float | None:
        w = self.window_minutes
        return 1 - self.unplanned_downtime_minutes / w if w > 0 else None

    @property
    def first_time_fix_rate(self) -> float | None:
        """Failures never reopened ÷ failures (DOMAIN.md §5.12)."""
        n = self.failure_count
        return (n - self.reopened_failures) / n if n else None

    @property
    def mttr_minutes(self) -> float | None:
        return self.episode_minutes / self.episodes if self.episodes else None

    @property
    def mtbf_minutes(self) -> float | None:
        p = self.planned_operating_time
        return (p - self.unplanned_operating_downtime_minutes) / self.episodes if self.episodes and p > 0 else None


def plant_totals(per_machine: dict[int, MachineStats]) -> MachineStats:
    """Plant totals: sums of minutes and counts; availability and means follow from the sums."""
    rows = list(per_machine.values())
    total = MachineStats(machine_id=None, window_minutes=sum(r.window_minutes for r in rows))
    for name in ('operating_minutes', 'problem_count', 'failure_count', 'planned_count', 'episodes',
                 'unplanned_downtime_minutes', 'unplanned_operating_downtime_minutes', 'planned_downtime_minutes',
                 'planned_operating_minutes', 'episode_minutes', 'plates_lost', 'reopened_failures', 'reopen_count',
                 'not_machine_fault_count', 'not_machine_fault_minutes'):
        setattr(total, name, sum(getattr(r, name) for r in rows))
    total.ack_count, total.vendor_count = sum(r.ack_count for r in rows), sum(r.vendor_count for r in rows)
    total.mtta_minutes = _weighted([(r.mtta_minutes, r.ack_count) for r in rows])  # the mean over the plant's
    total.vendor_response_minutes = _weighted([(r.vendor_response_minutes, r.vendor_count) for r in rows])  # events
    causes: dict[str, CauseRow] = {}
    for row in rows:
        for cause in row.top_causes:
            agg = causes.setdefault(cause.subsystem, CauseRow(cause.subsystem, 0.0, 0))
            agg.minutes += cause.minutes
            agg.count += cause.count
    total.top_causes = sorted(causes.values(), key=lambda c: (-c.minutes, -c.count, c.subsystem))
    return total


def _weighted(pairs: list[tuple[float | None, int]]) -> float | None:
    used = [(v, n) for v, n in pairs if v is not None and n]
    weight = sum(n for _, n in used)
    return sum(v * n for v, n in used) / weight if weight else None


def headline_is_24_7(total: MachineStats, status: str) -> bool:
    """Whether a machine page headlines the 24/7 availability instead of the shift one: when the machine is down now
    and some of its unplanned downtime lies outside the shifts, the shift figure has not moved while the card is red
    (a machine down for 2 h at night must not headline "100.0 %")."""
    return status == 'down' and total.unplanned_downtime_minutes > total.unplanned_operating_downtime_minutes



# How each figure is computed, in plain words (DOMAIN.md §5): one text per figure, shown beside it on every surface.
HOW_COMPUTED: dict[str, str] = {
    'unplanned_downtime': N_('Time the machine was stopped by unplanned problems inside the range, overlapping stops '
                             'counted once; planned work is not included. Its n is the Stops column.'),
    'top_cause': N_('The subsystem with the most unplanned downtime in the range; each minute goes to the stop that '
                    'began first.'),
    'problems': N_('Problems that began in the range, planned and unplanned; cancelled ones and not-machine faults are '
                   'left out.'),
    'stops': N_('Unplanned stops that began in the range. A reopened problem is still one stop; a stop that ended the '
                'moment it began is a false alarm and is not counted.'),
    'mttr': N_('Mean time to repair: unplanned downtime of the stops that began in the range divided by the number of '
               'those stops (n).'),
    'mtbf': N_('Mean time between failures: operating time with no unplanned stop divided by the number of unplanned '
               'stops (n). "—" with no stops or no operating time.'),
    'mtta': N_('Mean time to acknowledge: average time from a problem being reported to someone taking it; n is the '
               'acknowledged problems.'),
    'vendor_response': N_('Average time from calling the vendor to the vendor arriving or starting a remote session; '
                          'n is the vendor visits.'),
    'availability': N_('Share of planned operating hours (shifts, minus planned maintenance) without an unplanned '
                       'stop.'),
    'availability_24_7': N_('Share of all hours of the range, around the clock, without an unplanned stop.'),
    'plates_lost': N_('Plates reported lost on problems that began in the range.'),
    'first_time_fix': N_('Failures never reopened divided by all failures (n) that began in the range.'),
    'reopens': N_('How many times problems that began in the range were reopened after being completed.'),
    'not_machine_faults': N_('Problems filed under workflow, RIP or file categories: their count and stop time, kept '
                             'out of the machine figures and shown here instead.'),
}
