"""How each portal's columns were found, and what finding them cost.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

``portal_health.found_by`` says how the columns that gave reports were found (comma-separated, in
the order they gave reports: hint, nav, explore, sitemap, search); ``discovery_pages`` counts the
pages opened to find them; ``columns`` lists every column that gave reports (a portal with a
部门信息公开平台 has one per unit), which the next run starts from. Rows recorded before keep NULLs:
their one column stays in ``column_url``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("portal_health", sa.Column("found_by", sa.String(length=60), nullable=True))
    op.add_column("portal_health", sa.Column("discovery_pages", sa.Integer(), nullable=True))
    op.add_column(
        "portal_health", sa.Column("columns", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True)
    )


def downgrade() -> None:
    for column in ("columns", "discovery_pages", "found_by"):
        op.drop_column("portal_health", column)
