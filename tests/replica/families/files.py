"""File portals: a static CMS whose 年报 column links straight to files served byte for byte.

For documents that must reach the crawler exactly as given (damaged, hostile, oddly encoded):
``portal.options["files"]`` is a sequence of :class:`ServedFile` (list title, file name, bytes,
content type), each listed in the column and served at ``<column><name>`` with nothing added.
Report items of ``portal.items`` are published as on the static family (an article page with its
rendered attachment), so a good report can sit in the same column as the bad files.
"""

from __future__ import annotations

from dataclasses import dataclass

from replica import chrome
from replica.families import column_page, homepage, portal_site, publish
from replica.model import Portal, PortalTruth, Site


@dataclass(frozen=True)
class ServedFile:
    """A file listed in the column under ``title`` and served as ``body`` with ``content_type``."""

    title: str
    name: str
    body: bytes
    content_type: str
    date: str = "2021-01-20"


def build(portal: Portal) -> tuple[Site, PortalTruth]:
    """The file portal: homepage → 信息公开 → 年报 column → report articles and served files."""
    site = portal_site(portal)
    gk_path = "/xxgk/"
    column = f"{gk_path}ndbg/"
    truth = PortalTruth(portal, site.url(f"{column}index.html"), needs_browser=False)
    crumbs = [
        ("首页", "/"),
        ("信息公开", f"{gk_path}index.html"),
        (portal.column_title, f"{column}index.html"),
    ]
    listed = []
    for item in portal.items:
        path = f"{column}{item.id}.html"
        attach = f"{column}{item.id}_att.{item.fmt}"
        publish(portal, site, truth, item, path, attach, crumbs, '<div class="article-content">', meta=False)
        listed.append((item.title, path, item.date))
    for served in portal.options.get("files", ()):
        path = f"{column}{served.name}"
        site.add(path, served.body, served.content_type)
        listed.append((served.title, path, served.date))
    site.add(
        f"{column}index.html", column_page(portal, portal.column_title, crumbs, chrome.link_list(listed))
    )
    columns = f'<ul class="gk-columns"><li><a href="{column}index.html">{chrome.esc(portal.column_title)}</a></li></ul>'
    site.add(f"{gk_path}index.html", column_page(portal, "信息公开", crumbs[:2], columns))
    homepage(portal, site, [])
    return site, truth
