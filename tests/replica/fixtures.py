"""The family web: one hand-written portal per CMS family and per situation discovery must survive;
the irregular web: one hand-written portal per shape of the irregular family.

The portals and dead hosts are data, in ``tests/fixtures/replica/family_portals.yaml`` (loaded by
:mod:`replica.catalog`), where each portal names what it stands for. Report bodies are generated
documents (unit, year, statistics tables) so every report is distinct; titles, list shapes, hosts
and conditions are written out there. Portals a polite crawler cannot get into say which failure
class their health record must show (``expect_failure``); the dead hosts answer through the proxy
as real unreachable hosts do.

The irregular portals are data too, in ``tests/fixtures/replica/irregular_portals.yaml``: one per
shape of :mod:`replica.families.irregular` (deep, scripted_nav, crowded, sitemap_only, search_only,
department_platform), each truth entry naming how discovery is expected to find the column
(``found_by``).
"""

from __future__ import annotations

from replica import catalog
from replica.model import DeadPortal, Portal
from replica.web import VirtualWeb, build_web

_FAMILIES = catalog.load("family_portals")
FAMILY_PORTALS: tuple[Portal, ...] = _FAMILIES.portals
FAMILY_DEAD: tuple[DeadPortal, ...] = _FAMILIES.dead

#: The health failure class each dead host must get (a redirect loop is an HTTP-level failure).
DEAD_FAILURE = {"dns": "dns", "refused": "refused", "timeout": "timeout", "redirect_loop": "http_error"}


def family_web() -> VirtualWeb:
    """The replica web of :data:`FAMILY_PORTALS` and :data:`FAMILY_DEAD`."""
    return build_web(FAMILY_PORTALS, aggregators=(), dead=FAMILY_DEAD)


IRREGULAR_PORTALS: tuple[Portal, ...] = catalog.load("irregular_portals").portals


def irregular_web() -> VirtualWeb:
    """The replica web of :data:`IRREGULAR_PORTALS` (no document sites, no dead hosts)."""
    return build_web(IRREGULAR_PORTALS, aggregators=(), dead=())
