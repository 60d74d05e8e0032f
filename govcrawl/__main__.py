"""``python -m govcrawl``: the ``govcrawl`` command."""

import sys

from govcrawl.cli import main

sys.exit(main())
