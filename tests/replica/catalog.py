"""Portal definitions as data: the YAML files of ``tests/fixtures/replica/`` as model objects.

A catalog file says what each portal is (division, CMS family, skin, column items, family
options); the family builders decide how that looks on the wire. Top-level keys:

``portals``
    One mapping per :class:`~replica.model.Portal`, keys as its fields (``level`` defaults to
    ``county``). ``skin`` is a :class:`~replica.chrome.Skin` (links as ``[text, href]``); a portal
    without one gets the standard skin (:func:`_standard_skin`), where ``disclosure_link`` may
    replace the nav entry 政府信息公开 → ``/zwgk/index.html``. In ``options`` every list becomes a
    tuple (the builders take tuples) and ``conditions`` a :class:`~replica.model.Conditions`.
``portals[].items``
    An :class:`~replica.model.Item` each, keys as its fields, or one of two short forms:
    ``report: <unit>`` with ``year`` (a generated report of that unit, see
    :func:`~replica.reports.report_blocks`) and ``news: <title>`` (a notice whose body is its
    title and a stock sentence).
``aggregators``, ``dead``
    :class:`~replica.families.aggregator.Aggregator` (with ``docs``) and
    :class:`~replica.model.DeadPortal` entries, keys as their fields.
``report_seed``
    Seed of the one :class:`random.Random` all generated reports draw from, in file order
    (default 0): reordering the reports of a file changes their statistics.

Dates are plain ``YYYY-MM-DD`` text (the loader reads no YAML timestamps); text YAML would read
as a number (division codes, seeds like ``"000"``) must be quoted, and is checked.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

import yaml

from replica.chrome import Link, Skin
from replica.families.aggregator import Aggregator, AggregatorDoc
from replica.model import Conditions, DeadPortal, Item, Portal
from replica.reports import report_blocks

#: Where the catalog files live (``tests/fixtures/replica``).
CATALOGS = Path(__file__).resolve().parents[1] / "fixtures" / "replica"

_T = TypeVar("_T")


@dataclass(frozen=True)
class Catalog:
    """One catalog file: its portals, the document sites that republish reports, its dead hosts."""

    portals: tuple[Portal, ...]
    aggregators: tuple[Aggregator, ...]
    dead: tuple[DeadPortal, ...]


class _Loader(yaml.SafeLoader):
    """Safe YAML, except that dates stay the ``YYYY-MM-DD`` strings the model keeps them as."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def load(name: str) -> Catalog:
    """The catalog in ``tests/fixtures/replica/<name>.yaml``."""
    path = CATALOGS / f"{name}.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    unknown = set(data) - {"portals", "aggregators", "dead", "report_seed"}
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
    rng = random.Random(data.get("report_seed", 0))
    return Catalog(
        portals=tuple(_portal(entry, rng) for entry in data.get("portals", ())),
        aggregators=tuple(_aggregator(entry) for entry in data.get("aggregators", ())),
        dead=tuple(_checked(DeadPortal(**entry)) for entry in data.get("dead", ())),
    )


def _frozen(value: Any) -> Any:
    """``value`` with every list turned into a tuple (mappings kept), at any depth."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return {k: _frozen(v) for k, v in value.items()}
    return value


def _checked(obj: _T) -> _T:
    """``obj`` once its text fields are known to hold text (an unquoted 530115 is a YAML number)."""
    for f in fields(obj):
        value = getattr(obj, f.name)
        if f.type in ("str", "str | None") and value is not None and not isinstance(value, str):
            raise TypeError(f"{type(obj).__name__}.{f.name} must be quoted text, got {value!r}")
    return obj


def _portal(entry: Mapping[str, Any], rng: random.Random) -> Portal:
    spec = dict(entry)
    options = _frozen(spec.pop("options", {}))
    if "conditions" in options:
        options["conditions"] = Conditions(**options["conditions"])
    items = tuple(_item(item, rng) for item in spec.pop("items", ()))
    spec.setdefault("level", "county")
    skin = spec.pop("skin", None)
    if skin is None:
        disclosure = _frozen(spec.pop("disclosure_link", ("政府信息公开", "/zwgk/index.html")))
        skin = _standard_skin(spec, disclosure, options)
    else:  # its own skin: a disclosure_link left in spec is refused as an unknown Portal field
        skin = _checked(Skin(**_frozen(skin)))
    return _checked(Portal(**spec, skin=skin, items=items, options=options))


def _standard_skin(portal: Mapping[str, Any], disclosure: Link, options: Mapping[str, Any]) -> Skin:
    """The skin of a portal its entry gives none: named after its division, registration numbers
    made from its code, the nav bar 首页 / ``disclosure`` / 政务服务 / 互动交流, plus 专题专栏 when the
    年报 column hangs there (option ``ztzl``)."""
    code = portal["division_code"]
    topics = (("专题专栏", "/ztzl/index.html"),) if options.get("ztzl") else ()
    return _checked(
        Skin(
            site_name=f"{portal['prefecture']}{portal['name']}人民政府",
            site_code=f"{code}0001",
            icp="ICP备05000000号",
            police=f"公网安备 {code}02000001号",
            nav=(
                ("首页", "/"),
                disclosure,
                ("政务服务", "/zwfw/index.html"),
                ("互动交流", "/hdjl/index.html"),
                *topics,
            ),
            css_prefix=portal["family"][:3],
        )
    )


def _item(entry: Mapping[str, Any], rng: random.Random) -> Item:
    spec = dict(entry)
    if "report" in spec:
        unit, year = spec.pop("report"), spec["year"]
        title = f"{unit}{year}年政府信息公开工作年度报告"
        return _checked(Item(title=title, source=unit, blocks=report_blocks(unit, year, rng), **spec))
    if "news" in spec:
        title = spec.pop("news")
        text = f"{title}。\n为进一步推进政务公开工作，现将有关情况通报如下。"
        return _checked(Item(title=title, text=text, **spec))
    return _checked(Item(**spec))


def _aggregator(entry: Mapping[str, Any]) -> Aggregator:
    docs = tuple(_checked(AggregatorDoc(**_frozen(doc))) for doc in entry["docs"])
    return _checked(Aggregator(**{**entry, "docs": docs}))
