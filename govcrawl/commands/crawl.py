"""``scrapy crawl county``, exiting with the run's outcome (:mod:`govcrawl.exitcodes`) rather than 0.

Scrapy's own ``crawl`` exits 1 only when the crawler fails to start. A crawl whose archive could
not be opened fetched nothing and must say so to cron and systemd: the archive extension's
``exit_code`` becomes the process's.

A seed selection that selects nothing (an unknown province, a missing seed file…) is refused before
Scrapy sets up anything, as ``govcrawl crawl`` refuses it: one line on stderr, exit 2. Left to the
spider, it would surface as a traceback after the browser and the archive were opened, or, before,
as a crawl of nothing that exits 0.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from govcrawl.exitcodes import ExitCode
from govcrawl.extensions.archive import ArchiveExtension
from govcrawl.seeds import SeedError, crawl_seeds

#: The spider whose ``-a province= / division= / seeds=`` arguments select seed portals.
SEEDED_SPIDER = "county"


class Command(ScrapyCrawl):
    """Scrapy's ``crawl``, with the seed selection checked first and the archive's verdict as the exit code."""

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        # Here, not in run(): Scrapy creates the crawler process (logging set up, reactor installed)
        # between the two, and its log lines would drown the one line that says why.
        super().process_options(args, opts)
        if args == [SEEDED_SPIDER]:
            spargs = opts.spargs
            try:
                crawl_seeds(spargs.get("seeds"), spargs.get("province"), spargs.get("division"))
            except SeedError as exc:
                print(f"govcrawl: {exc}", file=sys.stderr)
                sys.exit(int(ExitCode.USAGE))

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider: scrapy crawl county [-a province=…]")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        extension = crawler.get_extension(ArchiveExtension)
        self.exitcode = int(extension.exit_code) if extension is not None else 0
