"""Scrapy extensions: the crawl's archive and run (``archive``), the progress line (``progress``)."""
