"""full-text search over problem description and solution; partial index of live problems

The partial index (machine_id, status, start_time, deleted_at) WHERE deleted_at IS NULL lets the list's totals and pages
read the index only.

SQLite: an external-content FTS5 table kept in sync by triggers. PostgreSQL: a GIN index on the same text.
The names start with ctp_problem_logs_fts so autogenerate leaves them alone (app.migrate.include_object).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    """CREATE VIRTUAL TABLE ctp_problem_logs_fts USING fts5(
        problem_description, solution, content='ctp_problem_logs', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER ctp_problem_logs_fts_insert AFTER INSERT ON ctp_problem_logs BEGIN
        INSERT INTO ctp_problem_logs_fts(rowid, problem_description, solution)
        VALUES (new.id, new.problem_description, new.solution);
    END""",
    """CREATE TRIGGER ctp_problem_logs_fts_delete AFTER DELETE ON ctp_problem_logs BEGIN
        INSERT INTO ctp_problem_logs_fts(ctp_problem_logs_fts, rowid, problem_description, solution)
        VALUES ('delete', old.id, old.problem_description, old.solution);
    END""",
    """CREATE TRIGGER ctp_problem_logs_fts_update AFTER UPDATE OF problem_description, solution
        ON ctp_problem_logs BEGIN
        INSERT INTO ctp_problem_logs_fts(ctp_problem_logs_fts, rowid, problem_description, solution)
        VALUES ('delete', old.id, old.problem_description, old.solution);
        INSERT INTO ctp_problem_logs_fts(rowid, problem_description, solution)
        VALUES (new.id, new.problem_description, new.solution);
    END""",
    "INSERT INTO ctp_problem_logs_fts(ctp_problem_logs_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    'DROP TRIGGER IF EXISTS ctp_problem_logs_fts_update',
    'DROP TRIGGER IF EXISTS ctp_problem_logs_fts_delete',
    'DROP TRIGGER IF EXISTS ctp_problem_logs_fts_insert',
    'DROP TABLE IF EXISTS ctp_problem_logs_fts',
]
# Must stay identical to app.services.problem_queries.PG_TSVECTOR, or the planner will not use the index.
POSTGRES_UP = ["""CREATE INDEX ctp_problem_logs_fts_gin ON ctp_problem_logs USING gin (
    to_tsvector('simple', coalesce(problem_description, '') || ' ' || coalesce(solution, '')))"""]
POSTGRES_DOWN = ['DROP INDEX IF EXISTS ctp_problem_logs_fts_gin']


def _run(statements: dict[str, list[str]]) -> None:
    for statement in statements.get(op.get_bind().dialect.name, []):
        op.execute(statement)


LIVE_INDEX = 'ix_ctp_problem_logs_live_machine_status_start'
LIVE = sa.text('deleted_at IS NULL')


def upgrade() -> None:
    with op.batch_alter_table('ctp_problem_logs', schema=None) as batch_op:
        batch_op.create_index(LIVE_INDEX, ['machine_id', 'status', 'start_time', 'deleted_at'], unique=False,
                              sqlite_where=LIVE, postgresql_where=LIVE)
    _run({'sqlite': SQLITE_UP, 'postgresql': POSTGRES_UP})


def downgrade() -> None:
    _run({'sqlite': SQLITE_DOWN, 'postgresql': POSTGRES_DOWN})
    with op.batch_alter_table('ctp_problem_logs', schema=None) as batch_op:
        batch_op.drop_index(LIVE_INDEX)
