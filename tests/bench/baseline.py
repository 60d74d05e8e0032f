"""The baseline of ``bench-crawl``: a plain Scrapy spider that fetches exactly the given URLs.

No discovery, no browser, no pipelines: the project's own settings (robots.txt, concurrency, timeouts,
retries) with Scrapy's plain HTTP handler. Run as ``python -m bench.baseline URLS_FILE``
(one URL a line) with ``http_proxy`` set, like the crawl.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

import scrapy  # noqa: E402
from scrapy.crawler import CrawlerProcess  # noqa: E402
from scrapy.utils.project import get_project_settings  # noqa: E402


class FetchSpider(scrapy.Spider):
    """Fetch every URL of ``urls`` once and keep nothing."""

    name = "baseline"

    def __init__(self, urls: list[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.urls = urls

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response: scrapy.http.Response) -> None:
        self.crawler.stats.inc_value("baseline/fetched")


def main(argv: list[str]) -> int:
    """Fetch the URLs of the file ``argv[0]``; 0 when every one answered."""
    with open(argv[0], encoding="utf-8") as f:
        urls = [line.strip() for line in f if line.strip()]
    settings = get_project_settings()
    settings.set("ITEM_PIPELINES", {})
    settings.set("DOWNLOAD_HANDLERS", {})  # Scrapy's plain HTTP handler: no Playwright
    settings.set("LOG_LEVEL", "WARNING")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(FetchSpider)
    process.crawl(crawler, urls=urls)
    process.start()
    fetched = crawler.stats.get_value("baseline/fetched", 0)
    print(f"baseline fetched {fetched}/{len(urls)}")
    return 0 if fetched == len(urls) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
