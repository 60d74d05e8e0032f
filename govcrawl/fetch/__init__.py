"""Fetching: what stands between the spider's requests and the web.

In the order a request meets them: the scope guard and the portal budget (``guard``), the HTTP
cache over the archive that makes runs incremental (``cache``), and, next to the downloader, the
capture of every response into the WARC files (``capture``). ``failures`` names why a request failed.
"""
