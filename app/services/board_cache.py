"""What the boards show, read once per change for every screen (the design's caching).

Machine rows are cached per machine id and the recent problems per scope. `machine_changed` and
`problem_log_changed` mark entries stale; the first screen that asks afterwards reads them back, every
other screen gets the cached copy. Screens filter the rows by their own scope (computed once per page). The rows
name categories in the plant's language; a screen in another language asks with its own and gets them renamed
(one small read of those categories' names per ask).
"""
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from app import events, i18n
from app.db import get_engine, read_session, select_rows
from app.models import CTPMachine, CTPProblemLog, utcnow
from app.models.schemas import MachinePublic, ProblemLogPublic
from app.services import machines, problem_public
from app.services.access import Action, Actor, require, visible_machine_ids

Scope = frozenset[int] | None  # None: every machine
MAX_AGE = timedelta(minutes=5)  # "today's downtime" drifts; older rows are read again when next asked
RECENT_LIMIT = 10


@dataclass
class _State:
    engine_id: int = 0
    rows: dict[int, MachinePublic] = field(default_factory=dict)
    loaded_at: datetime | None = None
    stale: set[int] = field(default_factory=set)
    everything_stale: bool = True
    recent: dict[Scope, list[ProblemLogPublic]] = field(default_factory=dict)
    recent_generation: int = 0  # bumped by every problem change, so a read racing a change is not kept
    reads: int = 0  # database reads made, for tests and benchmarks


_state = _State()
_lock = threading.Lock()


def scope_of(session: Session, actor: Actor) -> Scope:
    """The machines this actor may see, once per page (and again after access_changed)."""
    require(actor, Action.READ)
    ids = visible_machine_ids(session, actor)
    return None if ids is None else frozenset(ids)


def board_rows(scope: Scope, language: str | None = None) -> list[MachinePublic]:
    """Non-retired machines in the scope, red first, categories named in `language` (default: the plant's)
    (blocking: call it off the event loop)."""
    with _lock:
        _ensure_wired()
        if _needs_reload():
            _reload()
        rows = [row for mid, row in _state.rows.items() if scope is None or mid in scope]
    rows = [row for row in rows if row.retired_at is None]
    labels = _labels_in(language, {row.open_problem.category_id for row in rows if row.open_problem})
    return machines.sort_for_board([_machine_in(row, labels) for row in rows] if labels else rows)


def recent_problems(scope: Scope, language: str | None = None) -> list[ProblemLogPublic]:
    """The newest problems in the scope, one read per scope and change; categories named in `language`."""
    with _lock:
        _ensure_wired()
        rows = _state.recent.get(scope)
        if rows is None:
            generation = _state.recent_generation
            rows = _read_recent(scope)
            if generation == _state.recent_generation:
                _state.recent[scope] = rows
    labels = _labels_in(language, {row.category_id for row in rows})
    if not labels:
        return list(rows)
    return [row.model_copy(update=dict(zip(('category', 'subsystem'), labels[row.category_id], strict=True)))
            if row.category_id in labels else row for row in rows]


def _labels_in(language: str | None, ids: set[int | None]) -> dict[int, tuple[str, str]]:
    """{category id: (label, subsystem)} in `language`; empty when that is the rows' own (the plant's)."""
    wanted = {cid for cid in ids if cid is not None}
    if not wanted or language is None or i18n.resolve(language) == i18n.resolve():
        return {}
    with read_session() as session, i18n.language(language):
        return problem_public.category_labels(session, wanted)


def _machine_in(row: MachinePublic, labels: dict[int, tuple[str, str]]) -> MachinePublic:
    problem = row.open_problem
    if problem is None or problem.category_id not in labels:
        return row
    renamed = problem.model_copy(update={'category': labels[problem.category_id][0]})
    return row.model_copy(update={'open_problem': renamed})


def read_count() -> int:
    return _state.reads


def mark_machine(machine_id: int) -> None:
    """Subscriber of machine_changed: this machine's row is read again when next asked."""
    _state.stale.add(machine_id)


def mark_problem(_log_id: int) -> None:
    """Subscriber of problem_log_changed: every recent list may hold it."""
    _state.recent_generation += 1
    _state.recent.clear()


def _ensure_wired() -> None:
    """Subscribe once per process; when the subscriptions were cleared (tests) or the engine changed, start empty."""
    global _state
    wired = any(c.func is mark_machine for c in events.machine_changed.callbacks)
    if wired and _state.engine_id == id(get_engine()):
        return
    _state = _State(engine_id=id(get_engine()), reads=_state.reads)
    events.machine_changed.unsubscribe(mark_machine)
    events.problem_log_changed.unsubscribe(mark_problem)
    events.machine_changed.subscribe(mark_machine, unsubscribe_on_delete=False)
    events.problem_log_changed.subscribe(mark_problem, unsubscribe_on_delete=False)


def _needs_reload() -> bool:
    old = _state.loaded_at is None or utcnow() - _state.loaded_at > MAX_AGE
    return _state.everything_stale or old or bool(_state.stale)


def _reload() -> None:
    everything = _state.everything_stale or _state.loaded_at is None or utcnow() - _state.loaded_at > MAX_AGE
    wanted = None if everything else set(_state.stale)
    _state.stale.clear()
    _state.everything_stale = False
    with read_session() as session, i18n.language(i18n.resolve()):  # shared by every screen: the plant's names
        query = select(CTPMachine)
        if wanted is not None:
            query = query.where(CTPMachine.id.in_(wanted))  # type: ignore[union-attr]
        found = machines.summarize(session, list(select_rows(session, query).scalars()))
    _state.reads += 1
    if wanted is None:
        _state.rows = {row.id: row for row in found}
        _state.loaded_at = utcnow()
    else:
        for row in found:
            _state.rows[row.id] = row


def _read_recent(scope: Scope) -> list[ProblemLogPublic]:
    with read_session() as session, i18n.language(i18n.resolve()):  # shared by every screen: the plant's names
        query = select(CTPProblemLog).where(CTPProblemLog.deleted_at.is_(None))  # type: ignore[union-attr]
        if scope is not None:
            query = query.where(CTPProblemLog.machine_id.in_(scope))  # type: ignore[attr-defined]
        query = query.order_by(col(CTPProblemLog.start_time).desc(), col(CTPProblemLog.id).desc()).limit(RECENT_LIMIT)
        rows = problem_public.to_public(session, list(select_rows(session, query).scalars()))
    _state.reads += 1
    return rows
