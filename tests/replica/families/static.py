"""Static CMS portals: plain HTML lists with a literal "下一页" link (``index.html`` → ``index_2.html``).

Items may link off-site (a column pointing to an aggregator's copy of a report); those are
listed but not served here, and the truth records the off-site URL (a copy of a report the
portal publishes too names the original's item in ``duplicate_of``). With the option
``attachment_names: title`` attachments keep the name they were uploaded with (Chinese, spaces).
"""

from __future__ import annotations

from replica import chrome
from replica.families import column_page, homepage, listed_title, portal_site, publish, stub_columns
from replica.model import Item, Portal, PortalTruth, Site


def _article_path(column: str, item: Item) -> str:
    return f"{column}{item.date.replace('-', '')}/{item.id}.html"


def _pager(n: int, count: int) -> str:
    def name(i: int) -> str:
        return "index.html" if i == 0 else f"index_{i + 1}.html"

    links = [f'<a href="{name(0)}">首页</a>']
    if n > 0:
        links.append(f'<a href="{name(n - 1)}">上一页</a>')
    if n < count - 1:
        links.append(f'<a href="{name(n + 1)}">下一页</a>')
    links.append(f'<a href="{name(count - 1)}">尾页</a>')
    return f'<div class="pager">{" ".join(links)} <span>第{n + 1}页/共{count}页</span></div>'


def build(portal: Portal) -> tuple[Site, PortalTruth]:
    """The static portal: homepage → 政务公开 → 年报 column (paginated) → articles."""
    opt = portal.options
    site = portal_site(portal)
    gk_path = opt.get("disclosure_path", "/zwgk/")
    column = f"{gk_path}{opt.get('column_slug', 'zfxxgknb')}/"
    per_page = opt.get("per_page", 3)
    truth = PortalTruth(portal, site.url(f"{column}index.html"), needs_browser=False)
    crumbs = [
        ("首页", "/"),
        ("政务公开", f"{gk_path}index.html"),
        (portal.column_title, f"{column}index.html"),
    ]

    listed = []
    for item in portal.items:
        if item.href:
            truth.record(item, item.href)
            listed.append((listed_title(item), item.href, item.date))
            continue
        path = _article_path(column, item)
        attach = f"{column}{item.date.replace('-', '')}/{item.id}_att.{item.fmt}"
        if opt.get("attachment_names") == "title":  # the uploaded file's own name: Chinese, with a space
            attach = f"/uploads/{item.date[:4]}年 {item.title}.{item.fmt}"
        publish(portal, site, truth, item, path, attach, crumbs, '<div class="article-content">', meta=False)
        listed.append((listed_title(item), path, item.date))

    pages = [listed[i : i + per_page] for i in range(0, len(listed), per_page)] or [[]]
    for n, chunk in enumerate(pages):
        listing = chrome.link_list(chunk) + (_pager(n, len(pages)) if len(pages) > 1 else "")
        site.add(
            f"{column}index{'_' + str(n + 1) if n else ''}.html",
            column_page(portal, portal.column_title, crumbs, listing),
        )

    columns = [(t, f"{gk_path}{slug}/index.html") for t, slug in opt.get("columns", ())]
    columns.append((portal.column_title, f"{column}index.html"))
    links = "".join(f'<li><a href="{p}">{chrome.esc(t)}</a></li>' for t, p in columns)
    site.add(
        f"{gk_path}index.html",
        column_page(portal, "政务公开", crumbs[:2], f'<ul class="gk-columns">{links}</ul>'),
    )
    stub_columns(portal, site, columns, crumbs[:2])
    local_news = [
        (i.title, _article_path(column, i), i.date) for i in portal.items if not i.is_report and not i.href
    ]
    homepage(portal, site, local_news)
    return site, truth
