"""The archive database: models, Alembic migrations driven from code, and the ``Archive`` API."""

from govcrawl.store.archive import EXPORT_FIELDS, Archive, CaptureRecord, KnownCapture, StoreOutcome
from govcrawl.store.migrate import downgrade, upgrade

__all__ = ["EXPORT_FIELDS", "Archive", "CaptureRecord", "KnownCapture", "StoreOutcome", "downgrade", "upgrade"]
