"""Every test opens its own database, and with it a new SQLAlchemy engine. SQLAlchemy caches each statement's
compiled SQL per engine, keyed by the engine's dialect object, and the ORM keeps each table's INSERT/UPDATE per
mapper under the same key: so every test compiled every statement it ran again (a tenth of a services test's CPU,
a third of the access matrix's world). The engines of a worker differ only in the database they open; SQL compiled
for one is the SQL for another on the same backend and driver. This gives the worker's engines one statement cache
and makes dialects of the same class, DB-API module and parameter style one cache key.

Tests only: the app's one engine per process compiles each statement once anyway.
"""
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.util import LRUCache

from app import db

STATEMENTS: LRUCache[Any, Any] = LRUCache(4000)  # a worker's distinct statements, with room to spare


def share_compiled_statements() -> None:
    if getattr(db.build_engine, 'shares_statements', False):
        return
    DefaultDialect.__hash__ = _dialect_hash  # type: ignore[method-assign,assignment]
    DefaultDialect.__eq__ = _dialect_eq  # type: ignore[method-assign,assignment]
    build = db.build_engine

    def build_engine(url: str, **kwargs: Any) -> Engine:
        engine = build(url, **kwargs)
        engine._compiled_cache = STATEMENTS  # private, but the plain LRU cache execute() looks up
        return engine

    build_engine.shares_statements = True  # type: ignore[attr-defined]
    db.build_engine = build_engine


def _identity(dialect: DefaultDialect) -> tuple[Any, ...]:
    return type(dialect), dialect.dbapi, dialect.paramstyle


def _dialect_hash(self: DefaultDialect) -> int:
    return hash(_identity(self))


def _dialect_eq(self: DefaultDialect, other: object) -> bool:
    return isinstance(other, DefaultDialect) and _identity(self) == _identity(other)
