"""The archive database: models, Alembic migrations driven from code, and the ``Archive`` by job."""

from govcrawl.store.archive import Archive
from govcrawl.store.migrate import downgrade, upgrade

__all__ = ["Archive", "downgrade", "upgrade"]
