"""CTP Log subscribes to devices' and workflow servers' JMF status signals (issue 21): jmf_subscriptions

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 10:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        'jmf_subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        _when('created_at', False), _when('subscribed_at'), _when('attempted_at'), _when('next_renewal_at', False),
        sa.Column('last_error', sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(['link_id'], ['device_links.id'], name='fk_jmf_subscriptions_link_id_device_links',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name='fk_jmf_subscriptions_created_by_users',
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_jmf_subscriptions'),
    )
    op.create_index('ix_jmf_subscriptions_link_id', 'jmf_subscriptions', ['link_id'])
    op.create_index('ix_jmf_subscriptions_next_renewal_at', 'jmf_subscriptions', ['next_renewal_at'])


def downgrade() -> None:
    op.drop_index('ix_jmf_subscriptions_next_renewal_at', table_name='jmf_subscriptions')
    op.drop_index('ix_jmf_subscriptions_link_id', table_name='jmf_subscriptions')
    op.drop_table('jmf_subscriptions')
