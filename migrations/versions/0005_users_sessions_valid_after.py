"""users.sessions_valid_after: cookie sessions that signed in before it are signed out

Deactivating a user, an admin setting their password, or the user changing it ends the sessions that proved the
password earlier (SECURITY.md A6, ASVS 7.4), also those without an open page, which used to work again once the
account was reactivated. Empty for existing users: no session is ended by the upgrade.

Revision ID: 0005
Revises: 0004_daily_rollup
Create Date: 2026-11-26 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004_daily_rollup'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('users', sa.Column('sessions_valid_after', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('users', 'sessions_valid_after')  # SQLite 3.35+ drops a column in place (no table copy)
