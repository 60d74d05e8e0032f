"""Run outcomes, complete walks and distributed jobs: what a faulted crawl leaves to be told and redone.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

``crawl_runs.status`` says how a run ended (finished, degraded, interrupted, failed; NULL while it
runs or after a kill) and ``problems`` counts what it could not do. ``portal_health.complete`` says
whether the portal's walk reached every report (a walk with an unstored item, a failed capture or
cut-short paging is not complete: the next incremental run reads that portal in full).
``crawl_jobs`` keeps a distributed job's name and arguments where a Redis restart cannot lose them.
Upgrading marks every finished run "finished" and every recorded walk complete, as they were read.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Plain ADD COLUMN on both backends: SQLite cannot rebuild crawl_runs while other tables point at
    # it, so the status values are checked by the code that writes them (Runs.finish), not the table.
    op.add_column("crawl_runs", sa.Column("status", sa.String(length=20), nullable=True))
    op.add_column("crawl_runs", sa.Column("problems", _json(), nullable=True))
    op.add_column("crawl_runs", sa.Column("job", sa.String(length=100), nullable=True))
    op.execute("UPDATE crawl_runs SET status = 'finished' WHERE finished_at IS NOT NULL")
    op.add_column("portal_health", sa.Column("complete", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "crawl_jobs",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("arguments", _json(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rebuilds", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_crawl_jobs")),
    )


def downgrade() -> None:
    op.drop_table("crawl_jobs")
    op.drop_column("portal_health", "complete")
    for column in ("job", "problems", "status"):
        op.drop_column("crawl_runs", column)
