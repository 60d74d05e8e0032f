"""Where govcrawl keeps things, from the environment with project-local defaults."""

from __future__ import annotations

import os
from pathlib import Path

#: The project checkout (the folder holding scrapy.cfg).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Reference data shipped inside the package (divisions, code history).
PACKAGE_DATA = Path(__file__).resolve().parent / "data"
#: The default seed list.
SEEDS_DIR = PROJECT_ROOT / "seeds"


def data_dir() -> Path:
    """The data directory (``GOVCRAWL_DATA_DIR``, default ``<project>/data``), created on first use."""
    path = Path(os.environ.get("GOVCRAWL_DATA_DIR") or PROJECT_ROOT / "data")
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """The archive's SQLAlchemy URL (``GOVCRAWL_DATABASE_URL``, default a SQLite file in the data dir)."""
    url = os.environ.get("GOVCRAWL_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{data_dir() / 'govcrawl.sqlite3'}"
