"""The replica web: portals as data, built by their CMS family into virtual hosts.

``PORTALS`` lists the bundled web's government portals (after real ones), ``AGGREGATORS`` the
document sites that republish reports, ``DEAD_PORTALS`` listed portal URLs nobody answers; all
three come from ``tests/fixtures/replica/portals.yaml`` (see :mod:`replica.catalog`).
:func:`build_web` turns portals into a :class:`VirtualWeb` that the server dispatches to by
host, with the ground truth of what a crawler should find.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from replica import catalog
from replica.families import aggregator, apilist, hanweb, hostile, irregular, jslist, shapes, static, trs
from replica.families.aggregator import Aggregator
from replica.model import HTML, Builder, DeadPortal, Portal, Request, Response, Site, render_documents
from replica.render import render_many

FAMILIES: dict[str, Builder] = {
    "trs": trs.build,
    "hanweb": hanweb.build,
    "hanweb_annual": hanweb.build_annual,
    "jslist": jslist.build,
    "static": static.build,
    "gkmlpt": apilist.build_gkmlpt,
    "hostile": hostile.build,
    "fujian": apilist.build_fujian,
    "irregular": irregular.build,
    **{name: shapes.build for name in shapes.SHAPES},
}

SEED_COLUMNS = ("division_code", "province", "prefecture", "name", "level", "portal_url")

_BUNDLED = catalog.load("portals")
#: The bundled web's portals, document sites and dead hosts (``tests/fixtures/replica/portals.yaml``).
PORTALS: tuple[Portal, ...] = _BUNDLED.portals
AGGREGATORS: tuple[Aggregator, ...] = _BUNDLED.aggregators
DEAD_PORTALS: tuple[DeadPortal, ...] = _BUNDLED.dead


class VirtualWeb:
    """All virtual hosts, dispatched by host name, with the truth about their reports."""

    def __init__(
        self,
        sites: Mapping[str, Site],
        portals: Sequence[dict],
        seed_rows: Sequence[dict],
        dead: Sequence[dict],
        unreachable: Mapping[str, str] | None = None,
    ):
        self.sites = dict(sites)
        self._portals = list(portals)
        self._seed_rows = list(seed_rows)
        self._dead = list(dead)
        self.unreachable = dict(unreachable or {})

    def respond(self, host: str, req: Request) -> Response | str | None:
        """The response of ``host`` to ``req``; the cause when it is unreachable (``refused``,
        ``timeout``), None when no such host exists (the proxy's 502)."""
        name = host.lower().split(":", 1)[0]
        site = self.sites.get(name)
        return site.respond(req) if site else self.unreachable.get(name)

    def truth(self) -> dict:
        """Ground truth: per portal its column, reports and non-reports; distinct report count."""
        distinct = sum(1 for p in self._portals for r in p["reports"] if r["duplicate_of"] is None)
        return {"portals": self._portals, "dead_portals": self._dead, "distinct_reports": distinct}

    def seed_rows(self) -> list[dict]:
        """Rows of the seeds CSV (columns ``SEED_COLUMNS``), dead portals included."""
        return list(self._seed_rows)


def build_web(
    portals: Sequence[Portal] = PORTALS,
    aggregators: Sequence[Aggregator] = AGGREGATORS,
    dead: Sequence[DeadPortal] = DEAD_PORTALS,
) -> VirtualWeb:
    """Build every portal with its family (rendering all file reports first, in one batch)."""
    render_many(
        (i.seed, i.fmt) for p in portals for i in p.items if i.seed and i.fmt != "html" and not i.href
    )
    for fmt in ("docx", "pdf", "doc"):  # generated reports: one soffice run per format
        render_documents([i.blocks for p in portals for i in p.items if i.blocks and i.fmt == fmt], fmt)
    sites: dict[str, Site] = {}
    truths = []
    rows = []
    for portal in portals:
        built, truth = FAMILIES[portal.family](portal)
        truth.failure = portal.options.get("expect_failure")
        for site in [built] if isinstance(built, Site) else built:
            _merge(sites, site)
        entry = truth.as_dict()
        entry["hosts"] = sorted({built.host} if isinstance(built, Site) else {s.host for s in built})
        truths.append(entry)
        rows.append(
            dict(
                zip(
                    SEED_COLUMNS,
                    (
                        portal.division_code,
                        portal.province,
                        portal.prefecture,
                        portal.name,
                        portal.level,
                        portal.homepage,
                    ),
                    strict=True,
                )
            )
        )
    for agg in aggregators:
        sites[agg.host] = aggregator.build(agg)
    dead_rows = []
    unreachable = {}
    for d in dead:
        url = f"http://{d.host}/"
        if d.cause == "redirect_loop":
            sites[d.host] = _redirect_loop(d.host)
        elif d.cause != "dns":
            unreachable[d.host] = d.cause
        rows.append(
            dict(
                zip(
                    SEED_COLUMNS,
                    (d.division_code, d.province, d.prefecture, d.name, d.level, url),
                    strict=True,
                )
            )
        )
        dead_rows.append(
            {"host": d.host, "division_code": d.division_code, "name": d.name, "homepage": url, "failure": d.cause}
        )
    return VirtualWeb(sites, truths, rows, dead_rows, unreachable)


def _merge(sites: dict[str, Site], site: Site) -> None:
    """Add ``site``; a host several portals share (a province's disclosure platform) gets all their pages."""
    if site.host not in sites:
        sites[site.host] = site
        return
    shared = sites[site.host]
    for path, resp in site.pages.items():
        shared.pages.setdefault(path, resp)
    for path, handler in site.handlers.items():
        shared.handlers.setdefault(path, handler)


def _redirect_loop(host: str) -> Site:
    """A host whose / and /index.html redirect to each other."""
    site = Site(host, "<html><body>404</body></html>")

    def to(target: str):
        return lambda req: Response(b"", HTML, 302, headers={"Location": f"http://{host}{target}"})

    site.handlers["/"] = to("/index.html")
    site.handlers["/index.html"] = to("/")
    return site
