"""CMS families of the replica web: each module's ``build(portal)`` makes a Site and its truth.

Shared here: publishing one column item as an article page (with its attachment when the
report is a PDF/DOCX/DOC file), and the homepage / disclosure-page scaffolding.
"""

from __future__ import annotations

from collections.abc import Sequence

from replica import chrome
from replica.chrome import Link, esc
from replica.model import (
    Conditions,
    Item,
    Portal,
    PortalTruth,
    Site,
    day,
    document,
    paragraphs_html,
    report_html,
)


def portal_site(portal: Portal) -> Site:
    """The portal's host, with the conditions its options name (encoding, challenge, soft 404…)."""
    return Site.for_skin(portal.host, portal.skin, portal.options.get("conditions") or Conditions())


def listed_title(item: Item) -> str:
    """The title a column list shows for ``item``."""
    return item.listed_title or item.title


def publish(
    portal: Portal,
    site: Site,
    truth: PortalTruth,
    item: Item,
    page_path: str,
    attach_path: str | None,
    crumbs: Sequence[Link],
    container: str,
    meta: bool = True,
) -> str:
    """Serve ``item`` as an article at ``page_path`` (its document at ``attach_path``); returns the page URL.

    ``container`` is the opening tag the CMS wraps article bodies in; ``meta`` adds the
    ArticleTitle / PubDate / ContentSource / ColumnName tags the CMS writes. With the portal
    option ``script_attachments`` the attachment link is written by script (document.write).
    """
    source = item.source or portal.skin.site_name
    modified = day(item.date)
    page_url = site.url(page_path)
    if item.is_report and item.fmt != "html":
        assert attach_path is not None, "a file report needs an attachment path"
        data, ctype = document(item)
        doc_url = site.add(attach_path, data, ctype, modified)
        name = f"{item.title}.{item.fmt}"
        anchor = f'<a href="{esc(attach_path)}" target="_blank">{esc(name)}</a>'
        if portal.options.get("script_attachments"):
            anchor = f"<script type=\"text/javascript\">document.write('{anchor}');</script>"
        body = f'<p style="text-indent:2em">{esc(item.title)}，详见附件。</p>\n<p>附件：{anchor}</p>'
        truth.record(item, doc_url, page_url)
    elif item.is_report:
        body = report_html(item)
        truth.record(item, page_url)
    else:
        body = paragraphs_html(item.text)
        truth.record(item, page_url)
    tags = {}
    if meta:
        tags = {
            "ArticleTitle": item.title,
            "PubDate": f"{item.date} 09:00",
            "ContentSource": source,
            "ColumnName": portal.column_title,
        }
    main = chrome.article(item.title, item.date, source, container, body)
    site.add(page_path, chrome.page(portal.skin, item.title, crumbs, main, meta=tags), modified=modified)
    return page_url


def homepage(portal: Portal, site: Site, news: Sequence[tuple[str, str, str]]) -> None:
    """The portal's homepage (``/`` and ``/index.html``): nav bar, a news list, link blocks.

    Nav targets the family did not build (政务服务, 互动交流 …) are served as empty columns. With
    the portal option ``shell``, ``/`` is only a ``location.replace`` to the real homepage.
    """
    skin = portal.skin
    main = (
        '<div class="home-news"><div class="tit">政务要闻</div>'
        + chrome.link_list(news)
        + '</div><div class="home-links"><div class="tit">政务公开</div><ul>'
        + "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for t, h in skin.nav[1:])
        + "</ul></div>"
    )
    html = chrome.page(skin, skin.site_name, [("首页", "/")], main, with_sidebar=False)
    if portal.options.get("shell"):
        site.add("/", _SHELL.format(target="/portal/index.shtml"))
        site.add("/portal/index.shtml", html)
    else:
        site.add("/", html)
        site.add("/index.html", html)
    stub_columns(portal, site, skin.nav[1:], [("首页", "/")])


# Some portals answer / with nothing but a redirecting script (the real homepage lives elsewhere).
_SHELL = (
    '<html><head><meta charset="utf-8"><title></title>'
    '<script type="text/javascript">window.location.replace("{target}");</script></head><body></body></html>'
)


def column_page(portal: Portal, title: str, crumbs: Sequence[Link], listing: str, scripts: str = "") -> str:
    """A column (list) page: the column title over ``listing`` (trusted HTML)."""
    main = f'<div class="column"><div class="column-tit">{esc(title)}</div>{listing}</div>'
    return chrome.page(
        portal.skin,
        f"{title}-{portal.skin.site_name}",
        crumbs,
        main,
        meta={"ColumnName": title},
        scripts=scripts,
    )


def stub_columns(portal: Portal, site: Site, columns: Sequence[Link], crumbs: Sequence[Link]) -> None:
    """Serve the disclosure page's other columns as empty lists, so its links do not 404."""
    for title, path in columns:
        if path.startswith("/") and path not in site.pages:
            empty = '<ul class="list"></ul><div class="no-data">暂无信息</div>'
            site.add(path, column_page(portal, title, [*crumbs, (title, path)], empty))
