"""Reading problems: one problem with its audit trail and photos, and filtered, paginated lists in scope."""
import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, case, column, func, or_, select, text
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.config import get_settings
from app.db import prepared, select_rows
from app.errors import InvalidInput
from app.i18n import N_
from app.models import Category, CTPMachine, CTPProblemLog, ProblemAudit, User, utcnow
from app.models.schemas import MAX_ID, AuditEntryPublic, ProblemLogDetail, ProblemLogPage
from app.services import calendar, time_bounds
from app.services.access import Action, Actor, machine_scope, problem_abilities, require, require_log_visible
from app.services.problem_public import HIDDEN, public_items, user_names

SORTS: dict[str, ColumnElement[object]] = {
    'start_time': CTPProblemLog.start_time,  # type: ignore[dict-item]
    'created_at': CTPProblemLog.created_at,  # type: ignore[dict-item]
    'updated_at': CTPProblemLog.updated_at,  # type: ignore[dict-item]
    'downtime_minutes': CTPProblemLog.downtime_minutes,  # type: ignore[dict-item]
    'id': CTPProblemLog.id,  # type: ignore[dict-item]
}
MAX_LIMIT = 200
DATETIME_SORTS = frozenset({'start_time', 'created_at', 'updated_at'})
FTS_TABLE = 'ctp_problem_logs_fts'  # SQLite FTS5, kept in sync by triggers (migration 0002)
PG_TSVECTOR = "to_tsvector('simple', coalesce(problem_description, '') || ' ' || coalesce(solution, ''))"
WORD = re.compile(r'\w+')
MAX_WORDS = 8
PUBLIC_COLUMNS = [c for c in CTPProblemLog.__table__.columns if c.name not in HIDDEN]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ProblemFilter:
    machine_id: int | None = None
    status: tuple[str, ...] = ()
    category_id: int | None = None
    technician_type: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    created_by: int | None = None
    sort: str = '-start_time'
    limit: int = 50
    offset: int = 0
    cursor: str | None = None


def get_problem(session: Session, *, actor: Actor, log_id: int) -> ProblemLogDetail:
    """One problem in scope, with photos and its audit trail (404 outside the scope)."""
    log = require_log_visible(session, actor, log_id)
    trail = list(select_rows(session, _trail(), {'log_id': log_id}).scalars())
    names = user_names(session, {row.actor_id for row in trail} | {log.created_by})  # reporter and trail at once
    public = public_items(session, [log.model_dump(exclude=set(HIDDEN))], names)[0]
    entries = [AuditEntryPublic(at=row.at, actor_name=names.get(row.actor_id or -1), action=row.action,
                                field=row.field, old=row.old, new=row.new) for row in trail]
    abilities = {ability.value: reason for ability, reason in problem_abilities(actor, log, now=utcnow()).items()}
    return ProblemLogDetail(**public.model_dump(), audit=entries, abilities=abilities)


@prepared
def _trail() -> Select[ProblemAudit]:
    return (select(ProblemAudit).where(col(ProblemAudit.log_id) == bindparam('log_id'))
            .order_by(col(ProblemAudit.at), col(ProblemAudit.id)))


def list_problems(session: Session, *, actor: Actor, filters: ProblemFilter) -> ProblemLogPage:
    """Problems in the actor's scope, filtered, sorted and paginated (offset or keyset cursor), with the total.

    Two passes: the matching keys are sorted and cut to the page on the problem table alone (narrow rows), then
    only the page's rows are read with their names. A search counts its matches in the first pass (a window);
    other lists count with their own index-only query."""
    require(actor, Action.READ)
    where = _where(session, actor, filters)
    in_one_pass = bool(filters.q and filters.q.strip()) and not filters.cursor
    descending, column = _sort_column(filters.sort)
    keys = select(CTPProblemLog.id, column.label('_key')).where(*where)  # type: ignore[call-overload]
    if in_one_pass:
        keys = keys.add_columns(func.count().over().label('_total'))
    if filters.cursor:
        keys = keys.where(_after(filters, descending, column))
    tie = CTPProblemLog.id.desc() if descending else CTPProblemLog.id.asc()  # type: ignore[union-attr]
    keys = keys.order_by(column.desc() if descending else column.asc(), tie)
    core = session.connection()  # Core execution: these are column reads, the ORM layer would only add cost
    found = core.execute(keys.limit(filters.limit + 1).offset(filters.offset)).all()
    if in_one_pass and found:
        total = int(found[0][2])
    elif in_one_pass and not filters.offset:
        total = 0
    else:  # not a search, or a search's offset past its end (the window counted no rows)
        total = core.execute(select(func.count()).select_from(CTPProblemLog).where(*where)).scalar_one()
    rows = _rows_in_order(session, [row[0] for row in found[:filters.limit]])
    next_cursor = _encode_cursor(filters.sort, rows[-1]) if len(found) > filters.limit else None
    return ProblemLogPage(items=public_items(session, rows), total=total, next_cursor=next_cursor)


def _rows_in_order(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    """The list's columns for these problems, in the order given."""
    if not ids:
        return []
    result = session.connection().execute(_named_page().where(CTPProblemLog.id.in_(ids)))  # type: ignore[union-attr]
    names = list(result.keys())  # once: a RowMapping builds its key list again for every row
    at = names.index('id')
    by_id = {row[at]: dict(zip(names, row, strict=True)) for row in result.all()}
    return [by_id[log_id] for log_id in ids if log_id in by_id]


def _where(session: Session, actor: Actor, filters: ProblemFilter) -> list[ColumnElement[bool]]:
    zone = get_settings().zone
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidInput(N_('"from" must not be after "to"'), field='from')
    where = [col(CTPProblemLog.deleted_at).is_(None), machine_scope(session, actor, col(CTPProblemLog.machine_id))]
    if filters.machine_id is not None:
        where.append(col(CTPProblemLog.machine_id) == filters.machine_id)
    if filters.status:
        where.append(col(CTPProblemLog.status).in_(filters.status))
    if filters.category_id is not None:
        ids = [filters.category_id, *select_rows(session, select(col(Category.id)).where(
            col(Category.parent_id) == filters.category_id)).scalars()]
        where.append(col(CTPProblemLog.category_id).in_(ids))
    if filters.technician_type:
        where.append(col(CTPProblemLog.technician_type) == filters.technician_type)
    if filters.date_from:
        where.append(col(CTPProblemLog.start_time) >= calendar.local_day_bounds(filters.date_from, zone,
                                                                                field='from')[0])
    if filters.date_to:
        where.append(col(CTPProblemLog.start_time) < calendar.local_day_bounds(filters.date_to, zone, field='to')[1])
    if filters.created_by is not None:
        where.append(col(CTPProblemLog.created_by) == filters.created_by)
    if filters.q and filters.q.strip():
        where.append(text_search(session, filters.q))
    return where


def text_search(session: Session, q: str) -> ColumnElement[bool]:
    """Free text over description and solution: every word, as a prefix, through the full-text index
    (FTS5 on SQLite, GIN on PostgreSQL: migration 0002); text without any word falls back to a substring."""
    words = WORD.findall(q)[:MAX_WORDS]
    dialect = session.get_bind().dialect.name
    if not words or dialect not in ('sqlite', 'postgresql'):
        pattern = '%' + q.strip().replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_') + '%'
        return or_(col(CTPProblemLog.problem_description).ilike(pattern, escape='\\'),
                   col(CTPProblemLog.solution).ilike(pattern, escape='\\'))
    if dialect == 'sqlite':
        match = ' '.join(f'"{word}"*' for word in words)
        rowids = text(f'SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts_match').bindparams(
            fts_match=match).columns(column('rowid', Integer))
        return col(CTPProblemLog.id).in_(rowids)
    query = ' & '.join(f'{word}:*' for word in words)
    return text(f'{PG_TSVECTOR} @@ to_tsquery(\'simple\', :ts_query)').bindparams(ts_query=query)  # type: ignore[return-value]


def _sort_column(sort: str) -> tuple[bool, ColumnElement[object]]:
    column = SORTS.get(sort.lstrip('-'))
    if column is None:
        raise InvalidInput(N_('sort must be one of {choices} (prefix - for descending)'), field='sort',
                           choices=', '.join(sorted(SORTS)))
    return sort.startswith('-'), column


def _encode_cursor(sort: str, last: dict[str, Any]) -> str:
    value = last[sort.lstrip('-')]
    raw = json.dumps([sort, value.isoformat() if isinstance(value, datetime) else value, last['id']])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip('=')


def _after(filters: ProblemFilter, descending: bool, column: ColumnElement[object]) -> ColumnElement[bool]:
    """The keyset condition: rows strictly after the cursor's (value, id) in the sort order."""
    bad = InvalidInput('cursor is invalid or belongs to another sort order; start again without it',
                       field='cursor')
    try:
        cursor = filters.cursor or ''
        sort, value, last_id = json.loads(base64.urlsafe_b64decode(cursor + '=' * (-len(cursor) % 4)))
        if sort != filters.sort or not _bounded_int(last_id, 1, MAX_ID):
            raise bad
        if sort.lstrip('-') in DATETIME_SORTS:
            value = time_bounds.storable(datetime.fromisoformat(value), 'cursor')
        elif not _bounded_int(value, -MAX_ID, MAX_ID):
            raise bad
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError, InvalidInput) as error:
        raise bad from error
    key = CTPProblemLog.id
    if descending:
        return and_(column <= value, or_(column < value, key < last_id))
    return and_(column >= value, or_(column > value, key > last_id))


def _bounded_int(value: object, low: int, high: int) -> bool:
    """A JSON integer (not a float, not a bool) within what every database column holds."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


@prepared
def _named_page() -> Select[Any]:
    """The list query's columns: the problem, its machine's and reporter's names, its category labels.
    Built once: aliasing is costly."""
    symptom, subsystem = aliased(Category), aliased(Category)
    label = case((col(subsystem.name).is_(None), symptom.name), else_=subsystem.name + ' – ' + symptom.name)
    return (select(*PUBLIC_COLUMNS, col(CTPMachine.name).label('machine_name'), col(User.name).label('created_by_name'),
                   label.label('category'), func.coalesce(subsystem.name, symptom.name).label('subsystem'))
            .join(CTPMachine, col(CTPMachine.id) == col(CTPProblemLog.machine_id))
            .outerjoin(User, col(User.id) == col(CTPProblemLog.created_by))
            .outerjoin(symptom, col(symptom.id) == col(CTPProblemLog.category_id))
            .outerjoin(subsystem, col(subsystem.id) == symptom.parent_id))


