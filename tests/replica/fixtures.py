"""The family web: one hand-written portal per CMS family and per situation discovery must survive.

Each portal below names what it stands for. Report bodies are generated documents (unit, year,
statistics tables) so every report is distinct; titles, list shapes, hosts and conditions are
written out here. Portals a polite crawler cannot get into say which failure class their health
record must show (``expect_failure``); the dead hosts at the end answer through the proxy as
real unreachable hosts do.
"""

from __future__ import annotations

import random

from replica.chrome import Skin
from replica.generate import report_blocks
from replica.model import Conditions, Item, Portal
from replica.web import DeadPortal, VirtualWeb, build_web

_rng = random.Random(3)


def _report(id: int, unit: str, year: int, fmt: str = "html", listed: str | None = None, date: str | None = None) -> Item:
    title = f"{unit}{year}年政府信息公开工作年度报告"
    return Item(
        id, title, date or f"{year + 1}-01-2{id % 8}", fmt=fmt, source=unit,
        blocks=report_blocks(unit, year, _rng), year=year, listed_title=listed,
    )


def _news(id: int, title: str, date: str) -> Item:
    return Item(id, title, date, text=f"{title}。\n为进一步推进政务公开工作，现将有关情况通报如下。")


def _portal(host: str, code: str, where: tuple[str, str, str], family: str, column_title: str,
            items: tuple[Item, ...], gk: tuple[str, str] = ("政府信息公开", "/zwgk/index.html"), **options) -> Portal:
    province, prefecture, name = where
    site_name = f"{prefecture}{name}人民政府"
    extra = (("专题专栏", "/ztzl/index.html"),) if options.get("ztzl") else ()
    skin = Skin(
        site_name=site_name, site_code=f"{code}0001", icp="ICP备05000000号", police=f"公网安备 {code}02000001号",
        nav=(("首页", "/"), gk, ("政务服务", "/zwfw/index.html"), ("互动交流", "/hdjl/index.html"), *extra),
        css_prefix=family[:3],
    )
    return Portal(host, code, province, prefecture, name, "county", family, skin, column_title, items, options)


FAMILY_PORTALS: tuple[Portal, ...] = (
    # TRS, GBK with the charset header, per-year sub-columns (2022n/) whose lists leave the year out.
    _portal("www.fxtrs.gov.cn", "130402", ("河北省", "邯郸市", "邯山区"), "trs", "政府信息公开年报", (
        _report(9101, "邯郸市邯山区人民政府", 2022, listed="邯郸市邯山区人民政府政府信息公开工作年度报告"),
        _report(9102, "邯山区教育体育局", 2022, fmt="pdf"),
        _news(9103, "邯山区2022年政务公开工作要点", "2022-03-02"),
        _report(9104, "邯郸市邯山区人民政府", 2021, listed="邯郸市邯山区人民政府政府信息公开工作年度报告"),
        _report(9105, "邯山区财政局", 2020),
    ), per_page=2, split="year", conditions=Conditions(encoding="gbk")),
    # TRS, GB2312 declared only in the page, per-unit sub-columns, the column under 专题专栏, nav text split by <br>.
    _portal("www.fxunits.gov.cn", "620702", ("甘肃省", "张掖市", "甘州区"), "trs", "政府信息公开年报", (
        _report(9201, "张掖市甘州区人民政府", 2023),
        _report(9202, "甘州区民政局", 2023, fmt="docx"),
        _report(9203, "甘州区新墩镇", 2023),
        _report(9204, "甘州区司法局", 2022),
        _news(9205, "关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", "2023-12-20"),
    ), per_page=3, split="unit", ztzl=True, split_text=True, conditions=Conditions(encoding="gb2312", charset_header=False)),
    # TRS on a 政府信息公开 sub-site of another host, attachments written by script, a column mixing news.
    _portal("www.fxsub.gov.cn", "130400", ("河北省", "邯郸市", "市辖区"), "trs", "政府信息公开年度报告", (
        _news(9301, "市政府召开2023年政务公开工作推进会", "2023-04-11"),
        _report(9302, "邯郸市人民政府办公室", 2022, fmt="pdf"),
        _news(9303, "邯郸市2022年国民经济和社会发展统计公报", "2023-03-20"),
        _report(9304, "邯郸市人民政府", 2021, fmt="docx"),
        _news(9305, "邯郸市2023年政务公开工作要点", "2023-03-01"),
    ), gk=("政府信息公开", "http://hdzfxxgk.fxsub.gov.cn/zwgk/index.html"), gk_host="hdzfxxgk.fxsub.gov.cn",
        script_attachments=True, per_page=2, split_text=True),
    # Hanweb jpage list (POSTed dataproxy.jsp) behind a homepage that is only a location.replace shell.
    _portal("www.fxhanweb.gov.cn", "330781", ("浙江省", "金华市", "兰溪市"), "hanweb", "信息公开年报", (
        _report(9401, "兰溪市人民政府", 2023),
        _news(9402, "兰溪市2024年政务公开工作要点", "2024-03-05"),
        _report(9403, "兰溪市卫生健康局", 2023, fmt="docx"),
        _report(9404, "兰溪市人民政府", 2022),
        _report(9405, "兰溪市自然资源局", 2021),
    ), gk=("政务公开", "/col/col1043/index.html"), columnid=1051, disclosure_col=1043, unitid=5471, per_page=1,
        columns=(("政府信息公开指南", 1044),), shell=True),
    # Hanweb xxgk module: xxgkAnnualReport.jsp?area=…&fbtime=YYYY, one page per unit and year.
    _portal("www.fxzoucheng.gov.cn", "370883", ("山东省", "济宁市", "邹城市"), "hanweb_annual", "政府信息公开年报", (
        _report(9501, "邹城市人民政府", 2023),
        _report(9502, "邹城市人民政府", 2022),
        _report(9503, "邹城市教育局", 2023),
    ), gk=("政务公开", "/col/col2001/index.html"), columnid=2008, disclosure_col=2001, unitid=100),
    # Guangdong gkmlpt: /gkmlpt/annualreport is a script shell over a JSON API; posts at /content/post_ID.html.
    _portal("www.fxqingyuan.gov.cn", "441802", ("广东省", "清远市", "清城区"), "gkmlpt", "年度报告", (
        _report(9601, "清远市清城区人民政府", 2023),
        _report(9602, "清城区农业农村局", 2023),
        _report(9603, "清远市清城区人民政府", 2022, fmt="pdf"),
        _report(9604, "清城区司法局", 2021),
    ), per_page=3, sid="757"),
    # Anhui openness platform: showList/<col>/0/page_N.html, OpennessAnnualReport/show/<id>.html.
    _portal("www.fxtongguan.gov.cn", "340705", ("安徽省", "铜陵市", "铜官区"), "openness", "政府信息公开年报", (
        _report(9701, "铜陵市铜官区人民政府", 2023),
        _news(9702, "铜官区2023年政务公开工作要点", "2023-04-01"),
        _report(9703, "铜官区民政局", 2022, fmt="docx"),
        _report(9704, "铜陵市铜官区人民政府", 2021),
    ), column_id=1302, per_page=2),
    # Beijing-style disclosure platform on a host of another domain: zfxxgk.…/<unit>/zfxxgknb/list.shtml.
    _portal("www.fxchaoyang.gov.cn", "110105", ("北京市", "市辖区", "朝阳区"), "zfxxgk", "政府信息公开年报", (
        _report(9801, "北京市朝阳区人民政府", 2023),
        _report(9802, "北京市朝阳区人民政府", 2022, fmt="pdf"),
        _news(9803, "朝阳区2023年政务公开工作要点", "2023-03-10"),
    ), column_id="110105", gk_host="zfxxgk.fxbeijing.gov.cn", per_page=2),
    # Fujian 动静结合: the first 5 items static, the rest only from the JSON search API.
    _portal("www.fxpingtan.gov.cn", "350128", ("福建省", "福州市", "平潭县"), "fujian", "政府信息公开年报", tuple(
        _report(9900 + n, unit, year)
        for n, (unit, year) in enumerate(
            [(u, y) for y in (2023, 2022, 2021, 2020) for u in ("平潭综合实验区管委会", "平潭县教育局")]
        )
    ), static=5, per_page=5, channelid="200210", chnlid="1813"),
    # Jiangxi/Hunan: /<site>/c<col>/<yyyymm>/<uuid32>.shtml.
    _portal("www.fxyichun.gov.cn", "360902", ("江西省", "宜春市", "袁州区"), "jiangxi", "政府信息公开年度报告", (
        _report(10001, "宜春市袁州区人民政府", 2023),
        _news(10002, "袁州区2022年国民经济和社会发展统计公报", "2023-03-15"),
        _report(10003, "袁州区财政局", 2022, fmt="pdf"),
    ), column_id=4521, site_slug="yzqrmzf", per_page=2),
    # 博达: /info/<col>/<id>.htm.
    _portal("www.fxboda.gov.cn", "610115", ("陕西省", "西安市", "临潼区"), "boda", "信息公开年报", (
        _report(10101, "西安市临潼区人民政府", 2023),
        _report(10102, "临潼区文化和旅游局", 2022),
    ), column_id=1093, per_page=1),
    # ASP.NET CMS: /Category_N/Index.aspx, Index_2.aspx.
    _portal("www.fxjian.gov.cn", "360821", ("江西省", "吉安市", "吉安县"), "aspnet", "政府信息公开年报", (
        _report(10201, "吉安县人民政府", 2023),
        _news(10202, "吉安县2023年政务公开工作要点", "2023-02-20"),
        _report(10203, "吉安县人民政府", 2022, fmt="docx"),
    ), column_id=598, per_page=2),
    # A list built only by script (fetch after a delay): the one list that needs Chromium.
    _portal("www.fxscript.gov.cn", "530424", ("云南省", "玉溪市", "华宁县"), "jslist", "政府信息公开年度报告", (
        _report(10301, "华宁县人民政府", 2023),
        _news(10302, "华宁县2023年政务公开工作要点", "2023-03-01"),
    ), gk=("信息公开", "/xxgk/index.html"), delay_ms=200),
    # A host behind a 412 script challenge: plain clients are refused, a real browser passes.
    _portal("www.fxshield.gov.cn", "320583", ("江苏省", "苏州市", "昆山市"), "trs", "政府信息公开年报", (
        _report(10401, "昆山市人民政府", 2023),
        _report(10402, "昆山市人民政府", 2022),
    ), conditions=Conditions(challenge=True)),
    # A slow host: every answer takes a second.
    _portal("www.fxslow.gov.cn", "410102", ("河南省", "郑州市", "中原区"), "trs", "政府信息公开年报", (
        _report(10501, "郑州市中原区人民政府", 2023),
    ), conditions=Conditions(delay=1.0)),
    # robots.txt disallows the column: a polite crawler gets no report here.
    _portal("www.fxrobots.gov.cn", "420106", ("湖北省", "武汉市", "武昌区"), "trs", "政府信息公开年报", (
        _report(10601, "武汉市武昌区人民政府", 2023),
    ), conditions=Conditions(robots_disallow=("/zwgk/zfxxgknb/",)), expect_failure="robots"),
    # The listed portal URL is gone: the host answers 200 "页面不存在".
    _portal("www.fxsoft404.gov.cn", "430104", ("湖南省", "长沙市", "岳麓区"), "trs", "政府信息公开年报", (
        _report(10701, "长沙市岳麓区人民政府", 2023),
    ), seed_path="/old/index.htm", conditions=Conditions(soft404=True), expect_failure="soft404"),
    # No way from the homepage to any 年报 column.
    _portal("www.fxnocol.gov.cn", "450103", ("广西壮族自治区", "南宁市", "青秀区"), "static", "政府信息公开年报", (
        _report(10801, "南宁市青秀区人民政府", 2023),
    ), gk=("新闻中心", "/xwzx/index.html"), expect_failure="no_column"),
    # A column with nothing but look-alikes.
    _portal("www.fxempty.gov.cn", "500103", ("重庆市", "市辖区", "渝中区"), "static", "政府信息公开年报", (
        _news(10901, "渝中区2023年政务公开工作要点", "2023-03-01"),
        _news(10902, "渝中区2022年国民经济和社会发展统计公报", "2023-03-18"),
    ), gk=("政务公开", "/zwgk/index.html"), expect_failure="empty_column"),
)

FAMILY_DEAD: tuple[DeadPortal, ...] = (
    DeadPortal("www.fxdns.gov.cn", "510104", "四川省", "成都市", "锦江区", cause="dns"),
    DeadPortal("www.fxrefused.gov.cn", "510105", "四川省", "成都市", "青羊区", cause="refused"),
    DeadPortal("www.fxtimeout.gov.cn", "510106", "四川省", "成都市", "金牛区", cause="timeout"),
    DeadPortal("www.fxloop.gov.cn", "510107", "四川省", "成都市", "武侯区", cause="redirect_loop"),
)

#: The health failure class each dead host must get (a redirect loop is an HTTP-level failure).
DEAD_FAILURE = {"dns": "dns", "refused": "refused", "timeout": "timeout", "redirect_loop": "http_error"}


def family_web() -> VirtualWeb:
    """The replica web of :data:`FAMILY_PORTALS` and :data:`FAMILY_DEAD`."""
    return build_web(FAMILY_PORTALS, aggregators=(), dead=FAMILY_DEAD)
