"""Where govcrawl keeps things, from the environment with project-local defaults."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

#: The project checkout (the folder holding scrapy.cfg); in a wheel install, the folder holding the package.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Reference data shipped inside the package (divisions, code history).
PACKAGE_DATA = Path(__file__).resolve().parent / "data"


def packaged_folder(package: str, checkout_folder: str) -> Path:
    """The folder of ``package``, a repository-root folder that the wheel ships as a govcrawl subpackage.

    ``pyproject.toml`` maps ``<project>/migrations`` and ``<project>/seeds`` to ``govcrawl.migrations`` and
    ``govcrawl.seedlist``: a wheel install has them inside the package, an editable install resolves the
    names to the checkout's folders. Only a checkout that was never pip-installed (bare ``PYTHONPATH``)
    lacks the mapping; it gets ``<project>/checkout_folder`` directly.
    """
    try:
        folder = files(package)
    except ModuleNotFoundError as exc:
        if exc.name != package:  # something the package imports is missing: not the bare-checkout case
            raise
        return PROJECT_ROOT / checkout_folder
    if not isinstance(folder, Path):
        # A zipped install: Alembic and the seed glob need plain files on disk.
        raise RuntimeError(f"{package} is not installed as plain files ({folder!r})")
    return folder


#: The Alembic scripts (``env.py``, ``versions/``).
MIGRATIONS_DIR = packaged_folder("govcrawl.migrations", "migrations")
#: The default seed list (``*.csv``).
SEEDS_DIR = packaged_folder("govcrawl.seedlist", "seeds")


def data_dir() -> Path:
    """The data directory, created on first use: ``GOVCRAWL_DATA_DIR``; else ``<project>/data`` in a
    checkout; else, for an installed package (whose folder is no place for an archive), the user's
    data directory (``$XDG_DATA_HOME/govcrawl``, by default ``~/.local/share/govcrawl``)."""
    configured = os.environ.get("GOVCRAWL_DATA_DIR")
    if configured:
        path = Path(configured)
    elif (PROJECT_ROOT / "scrapy.cfg").is_file():
        path = PROJECT_ROOT / "data"
    else:
        path = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "govcrawl"
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """The archive's SQLAlchemy URL (``GOVCRAWL_DATABASE_URL``, default a SQLite file in the data dir)."""
    url = os.environ.get("GOVCRAWL_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{data_dir() / 'govcrawl.sqlite3'}"
