"""problem_comments: the team's time-ordered thread on a problem

Any CTP user assigned to the machine can comment on its problems (DOMAIN.md §4, team work): what was tried, parts
ordered, a note for the next shift. Append-only; the comment's author may be deleted later (SET NULL).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 11:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'problem_comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('log_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_problem_comments_author_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['log_id'], ['ctp_problem_logs.id'],
                                name=op.f('fk_problem_comments_log_id_ctp_problem_logs'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_comments')),
    )
    with op.batch_alter_table('problem_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_comments_log_id'), ['log_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('problem_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_comments_log_id'))
    op.drop_table('problem_comments')
