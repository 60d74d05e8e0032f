"""``govcrawl doctor``: does every optional component govcrawl uses import, or run, on this machine?

A component that is missing does not show until something needs it, and then it looks like
something else: without ``lxml_html_clean`` every HTML report seemed corrupt. So each component is
checked for real: a module is imported (one that imports but fails at its first use, such as
OpenCC without its conversion tables, is used once), a program is run with ``--version`` under a
time limit. Components of extraction are checked inside an extraction worker
(:mod:`govcrawl.extract.worker`), the separate interpreter where extraction imports them, in the
environment it inherits; the others in this process.

``govcrawl doctor`` prints one line per component: ok with its version, or missing with the error,
what needs it and the fix (a pip package, or a Debian package for a program); it exits 10 when one
is missing. The crawl checks the components it will use before its first request
(:mod:`govcrawl.extensions.preflight`, :func:`crawl_components`).
"""

from __future__ import annotations

from collections.abc import Sequence

from govcrawl.components import Component, Result, check
from govcrawl.extract.errors import ExtractionError, InternalError
from govcrawl.extract.worker import ExtractionWorker

#: Seconds the extraction worker may take to start and check its components (imports from a cold disk).
WORKER_TIMEOUT = 120.0


def diagnose(
    chosen: Sequence[Component], worker: ExtractionWorker | None = None, timeout: float = WORKER_TIMEOUT
) -> list[Result]:
    """Check ``chosen``, in their order: extraction's in ``worker`` (when None, a fresh one, stopped
    afterwards), the others here. A worker that cannot start leaves each of its components missing."""
    names = [c.name for c in chosen if c.worker]
    found = {r.name: r for r in check([c for c in chosen if not c.worker])}
    if names:
        own = worker is None
        worker = ExtractionWorker() if worker is None else worker
        try:
            found |= {r.name: r for r in worker.check(names, timeout)}
        except (ExtractionError, InternalError) as exc:  # it could not start, died, or hung
            why = f"the extraction worker failed: {str(exc).splitlines()[0]}"
            found |= {name: Result(name, False, why) for name in names}
        finally:
            if own:
                worker.kill()
    return [found[c.name] for c in chosen]


def _causes(component: Component, by_name: dict[str, Component], results: dict[str, Result]) -> list[str]:
    """The missing components at the root of ``component``'s failure: those it requires, transitively,
    whose own requirements are fine; itself when all it requires is there."""
    roots: list[str] = []
    for name in component.requires:
        if name in results and not results[name].ok:
            roots += [r for r in _causes(by_name[name], by_name, results) if r not in roots]
    return roots or [component.name]


def describe(chosen: Sequence[Component], results: Sequence[Result]) -> list[str]:
    """One line per component: ``ok`` with its version and what uses it, or ``missing`` with the
    error, what needs it and the fix (for a component that fails because another is missing: that one)."""
    by_name = {c.name: c for c in chosen}
    found = {r.name: r for r in results}
    width = max((len(c.name) for c in chosen), default=0)
    lines = []
    for component in chosen:
        result = found[component.name]
        if result.ok:
            lines.append(f"ok       {component.name:<{width}}  {result.detail} — used by {component.purpose}")
            continue
        roots = _causes(component, by_name, found)
        fix = component.fix if roots == [component.name] else f"install {', '.join(roots)} (see its line)"
        lines.append(
            f"missing  {component.name:<{width}}  {result.detail} — needed by {component.purpose}; fix: {fix}"
        )
    return lines


def summary(chosen: Sequence[Component], results: Sequence[Result]) -> str | None:
    """One line naming what is missing, what needs it and the fix; None when nothing is."""
    by_name = {c.name: c for c in chosen}
    found = {r.name: r for r in results}
    missing = [c for c in chosen if not found[c.name].ok]
    if not missing:
        return None
    roots = [c for c in missing if _causes(c, by_name, found) == [c.name]]
    text = "; ".join(f"{c.name} is missing ({found[c.name].detail}), needed by {c.purpose}: {c.fix}" for c in roots)
    followers = [c.name for c in missing if c not in roots]
    if followers:
        text += f"; so {', '.join(followers)} cannot load either"
    return text
