"""a category's name per language (issue 20): categories.names, JSON {"de": "Plattenstau"}; NULL or a missing
language shows the name. The default taxonomy's entries get their German names.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 10:20:00
"""
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from app.services.taxonomy_names import GERMAN  # the names as shipped when this revision was written
    with op.batch_alter_table('categories') as batch:
        batch.add_column(sa.Column('names', sa.JSON(), nullable=True))
    categories = sa.table('categories', sa.column('id', sa.Integer), sa.column('name', sa.String),
                          sa.column('names', sa.JSON))
    connection = op.get_bind()
    for category_id, name in connection.execute(sa.select(categories.c.id, categories.c.name)).all():
        if name in GERMAN:
            connection.execute(categories.update().where(categories.c.id == category_id)
                               .values(names=json.loads(json.dumps({'de': GERMAN[name]}))))


def downgrade() -> None:
    with op.batch_alter_table('categories') as batch:
        batch.drop_column('names')
