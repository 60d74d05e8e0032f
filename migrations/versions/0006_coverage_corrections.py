"""A report re-pointed from an aggregator's copy to its original is not a correction.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

``v_coverage.corrected`` counted every report whose current version is not its first. Since the
original arriving after its DOC文库 copy becomes the report's next version (``govcrawl.store.reports``),
that counted re-pointed reports as corrected re-publications. A report is corrected when its current
version replaces an earlier one read from an original: a version read from a copy does not count.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VIEW = """CREATE VIEW v_coverage AS
SELECT
  r.division_code, d.name AS division_name, d.level AS division_level, d.province_code, r.year,
  count(*) AS reports,
  sum(CASE WHEN pa.stats_format IS NOT NULL THEN 1 ELSE 0 END) AS with_statistics,
  sum(CASE WHEN {corrected} THEN 1 ELSE 0 END) AS corrected
FROM reports r
JOIN report_versions v ON v.report_id = r.id AND v.is_current
JOIN parses pa ON pa.version_id = v.id AND pa.is_current
LEFT JOIN divisions d ON d.code = r.division_code
GROUP BY r.division_code, d.name, d.level, d.province_code, r.year"""

_FROM_AN_ORIGINAL = (
    "EXISTS (SELECT 1 FROM report_versions e WHERE e.report_id = r.id AND e.number < v.number"
    " AND NOT e.aggregator_copy)"
)


def upgrade() -> None:
    op.execute("DROP VIEW v_coverage")
    op.execute(_VIEW.format(corrected=_FROM_AN_ORIGINAL))


def downgrade() -> None:
    op.execute("DROP VIEW v_coverage")
    op.execute(_VIEW.format(corrected="v.number > 1"))
