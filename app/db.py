"""Engine and sessions. SQLite: a fixed SQLite build (pysqlite3), WAL only where safe, BEGIN IMMEDIATE for writes."""
import functools
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar, TypeVarTuple, cast

from sqlalchemy import Engine, Result, Select, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Mapped
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, col

from app.errors import Conflict
from app.i18n import N_

logger = logging.getLogger(__name__)
P = ParamSpec('P')
R = TypeVar('R')
T = TypeVar('T')
Ts = TypeVarTuple('Ts')
S = TypeVar('S')  # a statement, or a tuple of them

# The WAL-reset corruption race is fixed from these SQLite versions on (3.51.3, or the backports).
WAL_SAFE_SQLITE = ((3, 51, 3), (3, 50, 7), (3, 44, 6))
# What a read raises while the database is away (restarting, unreachable); a screen that waits catches these
DATABASE_AWAY: tuple[type[Exception], ...] = (OperationalError, InterfaceError)

_engine: Engine | None = None
_read_engine: Engine | None = None


class UnsafeSQLiteError(RuntimeError):
    """The SQLite library linked here has the WAL-reset bug and WAL was asked for."""


def sqlite_version_is_wal_safe(version: str) -> bool:
    parts = tuple(int(p) for p in version.split('.')[:3])
    if parts >= WAL_SAFE_SQLITE[0]:
        return True
    return any(parts[:2] == safe[:2] and parts >= safe for safe in WAL_SAFE_SQLITE[1:])


def sqlite_module() -> Any:
    """The DB-API module for SQLite: pysqlite3 (bundled, fixed SQLite) where installed, else the stdlib."""
    try:
        from pysqlite3 import dbapi2  # type: ignore[import-not-found, import-untyped]  # optional, ships no types
    except ImportError:
        import sqlite3 as dbapi2
    return dbapi2


def build_engine(url: str, *, echo: bool = False, journal: str | None = None,
                 single_connection: bool | None = None) -> Engine:
    """An engine for the URL; SQLite connections get their pragmas (and the S1 WAL check) on every connect.

    `journal` ('auto', 'wal', 'delete', 'truncate') and `single_connection` default to the settings
    CTP_SQLITE_JOURNAL and CTP_SQLITE_SINGLE_CONNECTION; the page cache is CTP_SQLITE_CACHE_MB.
    """
    if make_url(url).get_backend_name() != 'sqlite':
        return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10,
                             connect_args={'connect_timeout': 5})
    from app.config import get_settings
    settings = get_settings()
    journal = settings.sqlite_journal if journal is None else journal
    single_connection = settings.sqlite_single_connection if single_connection is None else single_connection
    pool: dict[str, Any] = {'poolclass': QueuePool, 'pool_size': 1, 'max_overflow': 0, 'pool_timeout': 60} \
        if single_connection else {}
    engine = create_engine(url, echo=echo, module=sqlite_module(),
                           connect_args={'check_same_thread': False, 'timeout': 30}, **pool)
    _install_sqlite_pragmas(engine, journal, single_connection, settings.sqlite_cache_mb)
    return engine


def choose_journal(requested: str, version: str, single_connection: bool) -> str:
    """The journal mode to use; WAL on a SQLite with the WAL-reset bug only with one connection (S1 option C)."""
    safe = sqlite_version_is_wal_safe(version)
    if requested == 'auto':
        return 'wal' if safe else 'delete'
    if requested == 'wal' and not safe and not single_connection:
        raise UnsafeSQLiteError(f'SQLite {version} has the WAL-reset corruption bug (fixed in 3.51.3): refusing '
                                'journal_mode=wal with a connection pool; use CTP_SQLITE_JOURNAL=auto or delete, '
                                'or CTP_SQLITE_SINGLE_CONNECTION=1')
    return requested


def _install_sqlite_pragmas(engine: Engine, journal: str, single_connection: bool, cache_mb: int) -> None:
    @event.listens_for(engine, 'connect')
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (SQLAlchemy's pysqlite recipe)
        cursor = dbapi_connection.cursor()
        version = cursor.execute('SELECT sqlite_version()').fetchone()[0]  # the library really loaded
        mode = choose_journal(journal, version, single_connection)
        actual = cursor.execute(f'PRAGMA journal_mode={mode}').fetchone()[0]
        if actual == 'wal':  # e.g. a file left in WAL mode that could not be switched back
            choose_journal('wal', version, single_connection)
        # SQLite's default page cache is 2 MB: at plant scale a search or a report re-reads pages from the OS
        # cache with a system call each (docs/BENCHMARKS.md, "REST API list endpoint").
        for pragma in ('foreign_keys=ON', 'busy_timeout=30000', 'synchronous=FULL', f'cache_size={-1024 * cache_mb}'):
            cursor.execute(f'PRAGMA {pragma}')
        cursor.close()

    @event.listens_for(engine, 'begin')
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get('sqlite_begin', 'IMMEDIATE')
        conn.exec_driver_sql(f'BEGIN {mode}')


def init_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the process-wide engine (called from main.py and tests, never at import)."""
    global _engine, _read_engine
    if _engine is not None:
        _engine.dispose()
    _engine = build_engine(url, echo=echo)
    _read_engine = _engine.execution_options(sqlite_begin='DEFERRED')
    logger.info('database engine ready: %s', make_url(url).render_as_string(hide_password=True))
    return _engine


def get_engine() -> Engine:
    if _engine is None:
        raise RuntimeError('init_engine() has not been called')
    return _engine


def dispose_engine() -> None:
    global _engine, _read_engine
    if _engine is not None:
        _engine.dispose()
    _engine = _read_engine = None


def is_sqlite() -> bool:
    return get_engine().dialect.name == 'sqlite'


@contextmanager
def session_scope() -> Iterator[Session]:
    """A short session for one unit of work; services commit themselves. Writes take the lock up front."""
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


@contextmanager
def read_session() -> Iterator[Session]:
    """A short session for reads only: on SQLite it does not take the write lock."""
    with Session(_read_engine or get_engine(), expire_on_commit=False) as session:
        yield session


def rolls_back(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a service (session passed by keyword): any error rolls its transaction back, so it writes nothing.

    A uniqueness or foreign-key violation that slipped past the service's own checks (a race, or Unicode case
    rules the database applies differently) is the caller's conflict, not a server error.
    """
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except BaseException as error:
            session = kwargs.get('session') or (args[0] if args else None)
            if isinstance(session, Session):
                session.rollback()
            if isinstance(error, IntegrityError):
                raise Conflict(N_('this conflicts with existing data (a duplicate name or a reference in use)')) \
                    from error
            raise
    return wrapper


def select_rows(session: Session, statement: Select[*Ts], params: Mapping[str, Any] | None = None) -> Result[*Ts]:
    """`session.execute` of a SQLAlchemy select, its column types kept (SQLModel's `exec` types only its own
    select, and its `execute` forgets the types); the rows are SQLAlchemy's, exactly as `exec` returns them.
    `params`: the values of a `prepared` statement's bindparams."""
    return cast(Result[*Ts], session.execute(statement, params))


def prepared(build: Callable[P, S]) -> Callable[P, S]:
    """A statement built once per process (per distinct arguments, e.g. the dialect's name) and reused, its varying
    values `bindparam`s given at execution (`select_rows(session, statement, params)`). A change's ~35 statements
    were each built again per call; building one (SQLAlchemy's coercions and cache key) cost 2-4 times what SQLite
    took to run it (docs/BENCHMARKS.md, "Server CPU per change"). SQLAlchemy statements are immutable, so one
    object serves every thread."""
    return cast(Callable[P, S], functools.cache(build))


def loose_rows(session: Session, statement: Select[*tuple[Any, ...]]) -> Iterable[tuple[Any, ...]]:
    """The rows of a select whose column types SQLAlchemy cannot infer (a CTE's columns, a built column list),
    typed as tuples of Any to unpack; the same Result `session.execute` returns (Result.tuples() is deprecated)."""
    return cast(Iterable[tuple[Any, ...]], session.execute(statement))


def pk(column: int | None) -> Mapped[int]:
    """A table's id as a column expression, typed as never NULL: a stored row always has one (the models type it
    `int | None` only because a new object has none until it is flushed)."""
    return cast(Mapped[int], col(column))


def not_null(column: T | None) -> Mapped[T]:
    """A nullable column as an expression typed without None, for a query whose WHERE keeps the NULLs out."""
    return cast(Mapped[T], col(column))
