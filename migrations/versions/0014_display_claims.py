"""An unpaired wall screen shows a short code that an admin types for a display (issue 26): display_claims

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 22:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'display_claims',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('display_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['display_id'], ['display_devices.id'],
                                name='fk_display_claims_display_id_display_devices', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_display_claims'),
        sa.UniqueConstraint('code_hash', name='uq_display_claims_code_hash'),
        sa.UniqueConstraint('secret_hash', name='uq_display_claims_secret_hash'),
    )
    op.create_index('ix_display_claims_expires_at', 'display_claims', ['expires_at'])


def downgrade() -> None:
    op.drop_index('ix_display_claims_expires_at', table_name='display_claims')
    op.drop_table('display_claims')
