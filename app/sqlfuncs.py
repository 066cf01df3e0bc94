"""Portable SQL helpers on SQLite and PostgreSQL: seconds since the epoch of a UTC datetime column, and `IN` over a
list of ids as one statement whatever its length."""
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Float, Integer, String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, Session
from sqlalchemy.sql.expression import FunctionElement


class epoch(FunctionElement[float]):  # noqa: N801 - reads like the SQL function it stands for
    """Seconds since 1970-01-01 UTC of a datetime expression."""

    type = Float()
    inherit_cache = True


@compiles(epoch, 'sqlite')
def _epoch_sqlite(element: epoch, compiler: Any, **kw: Any) -> str:
    return f'((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)'


@compiles(epoch, 'postgresql')
def _epoch_postgresql(element: epoch, compiler: Any, **kw: Any) -> str:
    return f'EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})'


class greatest(FunctionElement[float]):  # noqa: N801
    type = Float()
    inherit_cache = True


class least(FunctionElement[float]):  # noqa: N801
    type = Float()
    inherit_cache = True


@compiles(greatest)
def _greatest(element: greatest, compiler: Any, **kw: Any) -> str:
    return f'GREATEST({compiler.process(element.clauses, **kw)})'


@compiles(least)
def _least(element: least, compiler: Any, **kw: Any) -> str:
    return f'LEAST({compiler.process(element.clauses, **kw)})'


@compiles(greatest, 'sqlite')
def _greatest_sqlite(element: greatest, compiler: Any, **kw: Any) -> str:
    return f'MAX({compiler.process(element.clauses, **kw)})'


@compiles(least, 'sqlite')
def _least_sqlite(element: least, compiler: Any, **kw: Any) -> str:
    return f'MIN({compiler.process(element.clauses, **kw)})'


def in_ids(session: Session, column: ColumnElement[int] | Mapped[int], ids: Iterable[int]) -> ColumnElement[bool]:
    """`column IN (ids)` with the ids in one parameter: a JSON array read by SQLite's `json_each`, a PostgreSQL array
    for `= ANY`. SQLAlchemy's `in_` writes one placeholder per id, so a list that grows with the data (a day's
    problems) made a new statement for every length, and every pooled connection compiled and cached each one: the
    server's memory grew with every change (docs/BENCHMARKS.md, "Soak")."""
    dialect = session.get_bind().dialect.name
    return _in(dialect, column, bindparam(None, ids_value(dialect, ids), type_=_ids_type(dialect)))


def in_ids_param(dialect: str, column: ColumnElement[int] | Mapped[int], name: str) -> ColumnElement[bool]:
    """`in_ids` for a `prepared` statement: the ids are the bindparam `name`, given as `ids_value(dialect, ids)`."""
    return _in(dialect, column, bindparam(name, type_=_ids_type(dialect)))


def ids_value(dialect: str, ids: Iterable[int]) -> object:
    """The value of an `in_ids_param` parameter."""
    values = sorted(set(ids))
    return values if dialect == 'postgresql' else json.dumps(values)


def _ids_type(dialect: str) -> ARRAY[int] | String:
    return ARRAY(Integer) if dialect == 'postgresql' else String()


def _in(dialect: str, column: ColumnElement[int] | Mapped[int], ids: BindParameter[Any]) -> ColumnElement[bool]:
    if dialect == 'postgresql':
        return column == any_(ids)
    return column.in_(select(func.json_each(ids).table_valued('value').c.value))
