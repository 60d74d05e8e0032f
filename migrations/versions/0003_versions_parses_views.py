"""Versions and parse history, sources tied to versions and captures, divisions, researcher views.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

Upgrading keeps everything: each report's text becomes its version 1, its statistics and checks
become that version's first parse (origin "migration"), and its sources point at version 1.
Downgrading keeps what the older schema can hold: version 1's text and the current parse of
version 1; later versions and parses are dropped with their tables.
"""

import csv
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from govcrawl.config import PACKAGE_DATA

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The statistics the wide view has a column for: the most used totals of every format.
WIDE_KEYS = (
    "apply.new.total",
    "apply.carried_over.total",
    "apply.result.granted.total",
    "apply.result.total.total",
    "apply.carry_next.total",
    "review.total",
    "litigation.total",
    "legacy.apply.received",
    "legacy.active.total",
)


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _column(key: str) -> str:
    return key.replace(".", "_")


def _wide_view() -> str:
    # A table value wins over the same key read from the text, as in the export.
    values = ",\n".join(
        f"  COALESCE(MAX(CASE WHEN sv.key = '{k}' AND sv.source = 'table' THEN sv.value END),"
        f" MAX(CASE WHEN sv.key = '{k}' THEN sv.value END)) AS {_column(k)}"
        for k in WIDE_KEYS
    )
    return f"""CREATE VIEW v_report_wide AS
SELECT
  r.id AS report_id, r.division_code, d.name AS division_name, d.level AS division_level,
  d.province_code, prov.name AS province_name, r.region, r.year, r.title, r.publisher,
  r.publisher_level, v.id AS version_id, v.number AS version, v.content_hash, pa.id AS parse_id,
  pa.stats_format AS format, pa.parser_version,
  (SELECT count(*) FROM report_versions vv WHERE vv.report_id = r.id) AS versions,
  (SELECT count(*) FROM sources s WHERE s.report_id = r.id) AS sources,
  (SELECT count(*) FROM check_results c WHERE c.parse_id = pa.id AND c.status = 'fail') AS checks_failed,
{values}
FROM reports r
JOIN report_versions v ON v.report_id = r.id AND v.is_current
JOIN parses pa ON pa.version_id = v.id AND pa.is_current
LEFT JOIN divisions d ON d.code = r.division_code
LEFT JOIN divisions prov ON prov.code = d.province_code
LEFT JOIN stat_values sv ON sv.parse_id = pa.id
GROUP BY r.id, r.division_code, d.name, d.level, d.province_code, prov.name, r.region, r.year, r.title,
  r.publisher, r.publisher_level, v.id, v.number, v.content_hash, pa.id, pa.stats_format, pa.parser_version"""


_COVERAGE_VIEW = """CREATE VIEW v_coverage AS
SELECT
  r.division_code, d.name AS division_name, d.level AS division_level, d.province_code, r.year,
  count(*) AS reports,
  sum(CASE WHEN pa.stats_format IS NOT NULL THEN 1 ELSE 0 END) AS with_statistics,
  sum(CASE WHEN v.number > 1 THEN 1 ELSE 0 END) AS corrected
FROM reports r
JOIN report_versions v ON v.report_id = r.id AND v.is_current
JOIN parses pa ON pa.version_id = v.id AND pa.is_current
LEFT JOIN divisions d ON d.code = r.division_code
GROUP BY r.division_code, d.name, d.level, d.province_code, r.year"""

_VALUES_VIEW = """CREATE VIEW v_current_values AS
SELECT
  r.id AS report_id, r.division_code, r.year, v.id AS version_id, v.number AS version,
  pa.id AS parse_id, pa.parser_version, sv.key, sv.value, sv.raw, sv.unit, sv.flags, sv.source
FROM stat_values sv
JOIN parses pa ON pa.id = sv.parse_id AND pa.is_current
JOIN report_versions v ON v.id = pa.version_id AND v.is_current
JOIN reports r ON r.id = v.report_id"""

_VIEWS = ("v_report_wide", "v_coverage", "v_current_values")


def _divisions() -> list[dict[str, str | None]]:
    """The 2023 division list shipped with the package, with each division's parent.

    A prefecture-level city without counties (东莞, 中山, 儋州) is listed twice, as prefecture and
    as county, under one code: it is kept once, as the prefecture. Counties abolished or renumbered
    since 2016 (港闸区 320611, …) follow from the code history, marked ``current`` false: old
    reports are attributed to them.
    """
    with (PACKAGE_DATA / "divisions_cn_2023.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    seen = set()
    for row in rows:
        if row["code"] in seen:
            continue
        seen.add(row["code"])
        if row["level"] == "province":
            parent = None
        elif row["level"] == "prefecture" or not row["prefecture_code"]:
            parent = row["province_code"]
        else:
            parent = row["prefecture_code"]
        out.append(
            {
                "code": row["code"],
                "name": row["name"],
                "level": row["level"],
                "parent_code": parent if parent != row["code"] else None,
                "province_code": row["province_code"],
                "current": True,
            }
        )
    with (PACKAGE_DATA / "county_codes_history.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["code"] in seen:
                continue
            seen.add(row["code"])
            out.append(
                {
                    "code": row["code"],
                    "name": row["name"],
                    "level": "county",
                    "parent_code": row["prefecture_code"] or row["province_code"],
                    "province_code": row["province_code"],
                    "current": False,
                }
            )
    return out


def upgrade() -> None:
    divisions = op.create_table(
        "divisions",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("parent_code", sa.String(length=12), nullable=True),
        sa.Column("province_code", sa.String(length=12), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_divisions")),
    )
    op.create_index(op.f("ix_divisions_parent_code"), "divisions", ["parent_code"])
    op.bulk_insert(divisions, _divisions())

    op.create_table(
        "report_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("source_format", sa.String(length=10), nullable=False),
        sa.Column("clean_text", sa.Text(), nullable=False),
        sa.Column("minhash", sa.LargeBinary(), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("aggregator_copy", sa.Boolean(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"], ["crawl_runs.id"], name=op.f("fk_report_versions_crawl_run_id_crawl_runs")
        ),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_report_versions_report_id_reports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_versions")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_report_versions_content_hash")),
        sa.UniqueConstraint("report_id", "number", name=op.f("uq_report_versions_report_id_number")),
    )
    op.create_table(
        "parses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("parser_version", sa.String(length=50), nullable=True),
        sa.Column("stats_format", sa.String(length=20), nullable=True),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("parsed_at", _timestamp(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("warnings", _json(), nullable=False),
        sa.Column("triples", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["report_versions.id"], name=op.f("fk_parses_version_id_report_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parses")),
    )
    op.create_index(op.f("ix_parses_version_id"), "parses", ["version_id"])

    # Every report as it stands becomes version 1 with one parse.
    op.execute(
        "INSERT INTO report_versions (report_id, number, content_hash, title, source_format, clean_text,"
        " is_current, aggregator_copy, created_at, crawl_run_id)"
        " SELECT id, 1, content_hash, title, source_format, clean_text, true, aggregator_copy, created_at,"
        " crawl_run_id FROM reports ORDER BY id"
    )
    op.execute(
        "INSERT INTO parses (version_id, parser_version, stats_format, origin, parsed_at, is_current,"
        " warnings, triples)"
        " SELECT v.id, r.parser_version, r.stats_format, 'migration', r.created_at, true, r.warnings, '[]'"
        " FROM report_versions v JOIN reports r ON r.id = v.report_id ORDER BY v.id"
    )
    first_parse = (
        "(SELECT p.id FROM parses p JOIN report_versions v ON v.id = p.version_id"
        " WHERE v.report_id = {table}.report_id)"
    )

    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("version_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("capture_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("match", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("similarity", sa.Float(), nullable=True))
    op.execute(
        "UPDATE sources SET"
        " version_id = (SELECT v.id FROM report_versions v WHERE v.report_id = sources.report_id),"
        " content_hash = (SELECT r.content_hash FROM reports r WHERE r.id = sources.report_id),"
        " match = 'exact', similarity = 1.0"
    )
    with op.batch_alter_table("sources") as batch:
        for name in ("version_id", "content_hash", "match", "similarity"):
            batch.alter_column(name, nullable=False, existing_type=None)
        batch.create_foreign_key(
            op.f("fk_sources_version_id_report_versions"), "report_versions", ["version_id"], ["id"]
        )
        batch.create_foreign_key(op.f("fk_sources_capture_id_captures"), "captures", ["capture_id"], ["id"])
        batch.create_check_constraint(op.f("ck_sources_match"), "match IN ('exact', 'near')")
        # A corrected file re-published at the same URL is a source of each of its versions.
        batch.drop_constraint(op.f("uq_sources_report_id_url"), type_="unique")
        batch.create_unique_constraint(op.f("uq_sources_version_id_url"), ["version_id", "url"])
        batch.create_index(op.f("ix_sources_report_id"), ["report_id"])

    with op.batch_alter_table("stat_values") as batch:
        batch.add_column(sa.Column("parse_id", sa.Integer(), nullable=True))
    op.execute(f"UPDATE stat_values SET parse_id = {first_parse.format(table='stat_values')}")
    with op.batch_alter_table("stat_values") as batch:
        batch.alter_column("parse_id", nullable=False, existing_type=sa.Integer())
        batch.create_foreign_key(op.f("fk_stat_values_parse_id_parses"), "parses", ["parse_id"], ["id"])
        batch.drop_constraint(op.f("uq_stat_values_report_id_key_source"), type_="unique")
        batch.create_unique_constraint(op.f("uq_stat_values_parse_id_key_source"), ["parse_id", "key", "source"])
        batch.create_index(op.f("ix_stat_values_report_id"), ["report_id"])

    with op.batch_alter_table("check_results") as batch:
        batch.add_column(sa.Column("parse_id", sa.Integer(), nullable=True))
    op.execute(f"UPDATE check_results SET parse_id = {first_parse.format(table='check_results')}")
    with op.batch_alter_table("check_results") as batch:
        batch.alter_column("parse_id", nullable=False, existing_type=sa.Integer())
        batch.create_foreign_key(op.f("fk_check_results_parse_id_parses"), "parses", ["parse_id"], ["id"])
        batch.create_index(op.f("ix_check_results_parse_id"), ["parse_id"])

    # Not a batch operation: rebuilding ``reports`` on SQLite would drop a table others reference.
    op.execute("ALTER TABLE reports DROP COLUMN clean_text")

    op.execute(_wide_view())
    op.execute(_COVERAGE_VIEW)
    op.execute(_VALUES_VIEW)


def downgrade() -> None:
    for view in _VIEWS:
        op.execute(f"DROP VIEW {view}")
    # SQLite can add a NOT NULL column only with a default; the text is filled in at once.
    op.add_column("reports", sa.Column("clean_text", sa.Text(), nullable=False, server_default=""))
    op.execute(
        "UPDATE reports SET clean_text ="
        " (SELECT v.clean_text FROM report_versions v WHERE v.report_id = reports.id AND v.number = 1)"
    )
    if op.get_context().dialect.name == "postgresql":
        op.alter_column("reports", "clean_text", server_default=None)

    # The older schema holds one parse per report: the current parse of version 1.
    kept = (
        "SELECT p.id FROM parses p JOIN report_versions v ON v.id = p.version_id"
        " WHERE v.number = 1 AND p.is_current"
    )
    op.execute(f"DELETE FROM stat_values WHERE parse_id NOT IN ({kept})")
    op.execute(f"DELETE FROM check_results WHERE parse_id NOT IN ({kept})")
    with op.batch_alter_table("check_results") as batch:
        batch.drop_index(op.f("ix_check_results_parse_id"))
        batch.drop_constraint(op.f("fk_check_results_parse_id_parses"), type_="foreignkey")
        batch.drop_column("parse_id")
    with op.batch_alter_table("stat_values") as batch:
        batch.drop_index(op.f("ix_stat_values_report_id"))
        batch.drop_constraint(op.f("uq_stat_values_parse_id_key_source"), type_="unique")
        batch.drop_constraint(op.f("fk_stat_values_parse_id_parses"), type_="foreignkey")
        batch.drop_column("parse_id")
        batch.create_unique_constraint(
            op.f("uq_stat_values_report_id_key_source"), ["report_id", "key", "source"]
        )
    # One row per report and URL in the older schema: the first capture of the URL stays.
    op.execute(
        "DELETE FROM sources WHERE EXISTS (SELECT 1 FROM sources s2 WHERE s2.report_id = sources.report_id"
        " AND s2.url = sources.url AND s2.id < sources.id)"
    )
    with op.batch_alter_table("sources") as batch:
        batch.drop_index(op.f("ix_sources_report_id"))
        batch.drop_constraint(op.f("uq_sources_version_id_url"), type_="unique")
        batch.create_unique_constraint(op.f("uq_sources_report_id_url"), ["report_id", "url"])
        batch.drop_constraint(op.f("ck_sources_match"), type_="check")
        batch.drop_constraint(op.f("fk_sources_capture_id_captures"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_sources_version_id_report_versions"), type_="foreignkey")
        for name in ("similarity", "match", "content_hash", "capture_id", "version_id"):
            batch.drop_column(name)
    op.drop_table("parses")
    op.drop_table("report_versions")
    op.drop_table("divisions")
