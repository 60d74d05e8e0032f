"""Portal health per run, the WARC capture index, and the "discover" error stage.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_STAGES = "stage IN ('fetch', 'extract', 'identify', 'parse', 'store')"
_NEW_STAGES = "stage IN ('discover', 'fetch', 'extract', 'identify', 'parse', 'store')"
_FAILURES = (
    "failure_class IS NULL OR failure_class IN ('dns', 'refused', 'timeout', 'blocked', 'robots', "
    "'soft404', 'no_column', 'empty_column', 'http_error')"
)


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("fetch_errors") as batch:
        batch.drop_constraint(op.f("ck_fetch_errors_stage"), type_="check")
        batch.create_check_constraint(op.f("ck_fetch_errors_stage"), _NEW_STAGES)
    op.create_table(
        "portal_health",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=False),
        sa.Column("division_code", sa.String(length=12), nullable=False),
        sa.Column("column_url", sa.Text(), nullable=True),
        sa.Column("reports_found", sa.Integer(), nullable=False),
        sa.Column("pages_fetched", sa.Integer(), nullable=False),
        sa.Column("failure_class", sa.String(length=20), nullable=True),
        sa.Column("checked_at", _timestamp(), nullable=False),
        sa.CheckConstraint(_FAILURES, name=op.f("ck_portal_health_failure_class")),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"], ["crawl_runs.id"], name=op.f("fk_portal_health_crawl_run_id_crawl_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_health")),
        sa.UniqueConstraint("crawl_run_id", "division_code", name=op.f("uq_portal_health_crawl_run_id_division_code")),
    )
    op.create_index(
        op.f("ix_portal_health_division_code_checked_at"), "portal_health", ["division_code", "checked_at"]
    )
    op.create_table(
        "captures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("fetched_at", _timestamp(), nullable=False),
        sa.Column("rendered", sa.Boolean(), nullable=False),
        sa.Column("warc_file", sa.Text(), nullable=False),
        sa.Column("warc_offset", sa.BigInteger(), nullable=False),
        sa.Column("warc_length", sa.BigInteger(), nullable=False),
        sa.Column("warc_record_id", sa.String(length=100), nullable=False),
        sa.Column("record_type", sa.String(length=10), nullable=False),
        sa.Column("refers_to_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("record_type IN ('response', 'revisit')", name=op.f("ck_captures_record_type")),
        sa.ForeignKeyConstraint(["crawl_run_id"], ["crawl_runs.id"], name=op.f("fk_captures_crawl_run_id_crawl_runs")),
        sa.ForeignKeyConstraint(["refers_to_id"], ["captures.id"], name=op.f("fk_captures_refers_to_id_captures")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_captures")),
    )
    op.create_index(op.f("ix_captures_url_id"), "captures", ["url", "id"])
    op.create_index(op.f("ix_captures_payload_sha256"), "captures", ["payload_sha256"])
    op.create_index(op.f("ix_captures_crawl_run_id"), "captures", ["crawl_run_id"])


def downgrade() -> None:
    op.drop_table("captures")
    op.drop_table("portal_health")
    # Errors of the newer stage have no place in the older schema: they are kept as "fetch" errors
    # whose kind says where they came from, rather than dropped.
    op.execute("UPDATE fetch_errors SET kind = 'discover:' || kind, stage = 'fetch' WHERE stage = 'discover'")
    with op.batch_alter_table("fetch_errors") as batch:
        batch.drop_constraint(op.f("ck_fetch_errors_stage"), type_="check")
        batch.create_check_constraint(op.f("ck_fetch_errors_stage"), _OLD_STAGES)
