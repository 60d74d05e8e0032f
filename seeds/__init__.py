"""The default seed list, installed as the package ``govcrawl.seedlist`` (see ``pyproject.toml``).

This file only makes the folder a package, so that an editable install can map the name onto it and the
wheel carries the CSV files; ``govcrawl.seeds`` reads them through ``govcrawl.config.SEEDS_DIR``.
"""
