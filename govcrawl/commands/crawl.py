"""``scrapy crawl county``, exiting with the run's outcome (:mod:`govcrawl.exitcodes`) rather than 0.

Scrapy's own ``crawl`` exits 1 only when the crawler fails to start. A crawl whose archive could
not be opened fetched nothing and must say so to cron and systemd: the archive extension's
``exit_code`` becomes the process's.
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from govcrawl.extensions.archive import ArchiveExtension


class Command(ScrapyCrawl):
    """Scrapy's ``crawl``, with the archive's verdict as the exit code."""

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
