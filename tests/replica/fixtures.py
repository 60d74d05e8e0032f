"""The family web: one hand-written portal per CMS family and per situation discovery must survive.

The portals and dead hosts are data, in ``tests/fixtures/replica/family_portals.yaml`` (loaded by
:mod:`replica.catalog`), where each portal names what it stands for. Report bodies are generated
documents (unit, year, statistics tables) so every report is distinct; titles, list shapes, hosts
and conditions are written out there. Portals a polite crawler cannot get into say which failure
class their health record must show (``expect_failure``); the dead hosts answer through the proxy
as real unreachable hosts do.
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
