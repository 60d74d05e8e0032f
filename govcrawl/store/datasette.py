"""Datasette metadata for a SQLite archive: table and column descriptions for researchers browsing it.

The descriptions live in ``datasette-metadata.json`` under the database name ``govcrawl`` (the
default archive file ``govcrawl.sqlite3``); Datasette names a database after its file, so
``metadata_for`` re-keys them for any other file name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

METADATA_FILE = Path(__file__).with_name("datasette-metadata.json")


def metadata_for(sqlite_path: Path) -> dict[str, Any]:
    """The metadata with its table descriptions under the database name Datasette gives ``sqlite_path``."""
    metadata = json.loads(METADATA_FILE.read_text(encoding="utf-8"))
    (tables,) = metadata["databases"].values()
    metadata["databases"] = {Path(sqlite_path).stem: tables}
    return metadata
