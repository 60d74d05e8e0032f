"""The Alembic scripts, installed as the package ``govcrawl.migrations`` (see ``pyproject.toml``).

This file only makes the folder a package, so that an editable install can map the name onto it and the
wheel carries it; Alembic itself loads ``env.py`` and ``versions/*.py`` by path (``govcrawl.store.migrate``).
"""
