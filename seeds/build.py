"""Rebuild the per-province seed files from the reference portal list.

Run from the repo root: ``python seeds/build.py ../shared/data``. The seed files are data the crawl
reads; this script only documents (and repeats) how they were made.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

COLUMNS = ["division_code", "province", "prefecture", "name", "level", "portal_url", "note"]
# Portal rows the reference list could not match to a division code, resolved by hand.
MANUAL_CODES = {"济源示范区": "419001"}


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def main(shared_data: Path) -> None:
    """Write ``seeds/<province code>_<province>.csv`` for all 31 provinces."""
    divisions = {r["code"]: r for r in _rows(shared_data / "divisions_cn_2023.csv")}
    by_province: dict[str, list[dict[str, str]]] = defaultdict(list)
    skipped = []
    for row in _rows(shared_data / "gov_portals_cn.csv"):
        name = row["county"] or row["prefecture"] or row["province"]
        code = row["division_code"] or MANUAL_CODES.get(name, "")
        if not code:
            skipped.append(row["region_path"])
            continue
        division = divisions.get(code)
        notes = []
        if row["access_method"] == "none":
            notes.append(f"unreachable when checked {row['checked_date']}")
        elif row["access_method"] != "direct":
            notes.append(f"{row['access_method']}: {row['effective_url']}")
        by_province[code[:2] + "0000"].append(
            {
                "division_code": code,
                "province": row["province"],
                "prefecture": row["prefecture"] or (division["prefecture"] if division and row["level"] == "county" else ""),
                "name": name,
                "level": row["level"],
                "portal_url": row["portal_url"],
                "note": "; ".join(notes),
            }
        )
    out_dir = Path(__file__).resolve().parent
    for province_code, rows in sorted(by_province.items()):
        rows.sort(key=lambda r: r["division_code"])
        path = out_dir / f"{province_code}_{rows[0]['province']}.csv"
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    print(f"{sum(map(len, by_province.values()))} rows in {len(by_province)} files; skipped {skipped}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
