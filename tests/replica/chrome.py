"""The page furniture every government portal wraps around its content.

Header with the site name, nav bar, breadcrumb (当前位置), sidebar, footer (主办单位 / 网站标识码 /
ICP备案 / 公网安备), and for articles the info line (发布时间 / 来源 / 浏览次数 / 字体 / 打印 / 关闭)
and share links. Families choose the article container and meta tags; this module only
lays out what they hand it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Link = tuple[str, str]  # (text, href)


@dataclass(frozen=True)
class Skin:
    """What a portal looks like: its name, registration numbers and navigation."""

    site_name: str  # 昆明市晋宁区人民政府
    site_code: str  # 网站标识码
    icp: str  # ICP备案号
    police: str  # 公网安备号
    nav: tuple[Link, ...]
    sidebar_title: str = "信息公开目录"
    sidebar: tuple[Link, ...] = ()
    css_prefix: str = "gov"  # class-name prefix, differs per CMS family


def esc(text: str) -> str:
    """HTML-escape text and attribute values."""
    return html.escape(text, quote=True)


def meta_tags(meta: Mapping[str, str]) -> str:
    """``<meta name=... content=...>`` lines, in the order given."""
    return "\n".join(f'<meta name="{esc(k)}" content="{esc(v)}">' for k, v in meta.items())


def _links(links: Sequence[Link]) -> str:
    return "".join(f'<li><a href="{esc(h)}" target="_blank">{esc(t)}</a></li>' for t, h in links)


def page(
    skin: Skin,
    title: str,
    crumbs: Sequence[Link],
    main: str,
    *,
    meta: Mapping[str, str] | None = None,
    scripts: str = "",
    with_sidebar: bool = True,
) -> str:
    """A complete portal page around ``main`` (trusted HTML)."""
    p = skin.css_prefix
    nav = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for t, h in skin.nav)
    trail = " &gt; ".join(f'<a href="{esc(h)}">{esc(t)}</a>' for t, h in crumbs)
    sidebar = ""
    if with_sidebar and skin.sidebar:
        sidebar = (
            f'<div class="{p}-side"><div class="side-tit">{esc(skin.sidebar_title)}</div>'
            f"<ul>{_links(skin.sidebar)}</ul>"
            '<div class="side-tit">热点关注</div><ul><li><a href="/">优化营商环境</a></li>'
            '<li><a href="/">乡村振兴</a></li><li><a href="/">疫情防控</a></li></ul></div>'
        )
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{esc(title)}</title>
<meta name="SiteName" content="{esc(skin.site_name)}">
<meta name="SiteIDCode" content="{esc(skin.site_code)}">
{meta_tags(meta or {})}
<link rel="stylesheet" href="/images/{p}_style.css">
</head>
<body>
<div class="{p}-topbar"><div class="w1200"><span>欢迎访问{esc(skin.site_name)}门户网站</span>
<a href="javascript:void(0)">无障碍浏览</a> <a href="javascript:void(0)">长者模式</a> <a href="javascript:void(0)">English</a></div></div>
<div class="{p}-header"><div class="w1200"><a class="logo" href="/"><h1>{esc(skin.site_name)}</h1></a>
<form class="search" action="/search/" method="get"><input name="q" placeholder="请输入关键字"><button type="submit">搜索</button></form></div></div>
<div class="{p}-nav"><ul class="w1200">{nav}</ul></div>
<div class="w1200 {p}-body">
<div class="{p}-crumb">当前位置：{trail}</div>
{sidebar}
<div class="{p}-main">
{main}
</div>
</div>
<div class="{p}-footer"><div class="w1200">
<p><a href="/">网站地图</a> | <a href="/">联系我们</a> | <a href="/">隐私声明</a></p>
<p>主办单位：{esc(skin.site_name)}办公室　承办单位：{esc(skin.site_name)}信息中心</p>
<p>网站标识码：{esc(skin.site_code)}　<a href="https://beian.miit.gov.cn/">{esc(skin.icp)}</a>　{esc(skin.police)}</p>
</div></div>
{scripts}
</body>
</html>
"""


def article(title: str, date: str, source: str, container: str, body: str) -> str:
    """An article: title, info line, the body inside ``container`` (an opening tag), share links."""
    tag = container.split()[0].lstrip("<").rstrip(">")
    return f"""<div class="article">
<h1 class="article-title">{esc(title)}</h1>
<div class="article-info">发布时间：{esc(date)}　来源：{esc(source)}　浏览次数：<span id="views">1</span>
　字体：[<a href="javascript:void(0)">大</a> <a href="javascript:void(0)">中</a> <a href="javascript:void(0)">小</a>]
　<a href="javascript:window.print()">打印</a>　<a href="javascript:window.close()">关闭</a></div>
{container}
{body}
</{tag}>
<div class="share">分享到：<a href="javascript:void(0)">微信</a> <a href="javascript:void(0)">微博</a> <a href="javascript:void(0)">QQ空间</a></div>
</div>"""


def link_list(items: Sequence[tuple[str, str, str]], ul_attrs: str = 'class="list"') -> str:
    """A column list: (title, href, date) as ``<li><a …>title</a><span>date</span></li>``."""
    rows = "".join(
        f'<li><a href="{esc(h)}" title="{esc(t)}" target="_blank">{esc(t)}</a><span>{esc(d)}</span></li>'
        for t, h, d in items
    )
    return f"<ul {ul_attrs}>{rows}</ul>"


def not_found(skin: Skin) -> str:
    """The portal's 404 page."""
    main = (
        '<div class="error-page"><h2>抱歉，您访问的页面不存在或已被删除！</h2>'
        '<p>可能原因：网址有误、页面已过期或栏目调整。</p><p><a href="/">返回首页</a></p></div>'
    )
    return page(skin, "404-页面不存在", [("首页", "/")], main, with_sidebar=False)
