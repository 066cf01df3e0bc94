"""Portable SQL helpers: seconds since the epoch of a UTC datetime column, on SQLite and PostgreSQL."""
from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
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
