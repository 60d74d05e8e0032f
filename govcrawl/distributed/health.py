"""Portal health pooled over the workers of a distributed job (imported by the archive extension)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

from scrapy.crawler import Crawler

from govcrawl.distributed.queue import LeasedQueue, RedisLost, queue_of

logger = logging.getLogger(__name__)

#: Signal sent by the worker that records the job's pooled health: the last of the job to close.
job_recorded = object()


def pooled_health(crawler: Crawler, runs: Sequence[Any]) -> list[Any]:
    """Portal health for the whole distributed job, or [] when another worker will record it.

    ``runs`` are this worker's ``PortalRun``s (``govcrawl.spiders.county``). Their counts, column
    URLs, discovery pages, productive columns and how they were found, failures and robots flags are added to the job's per-portal totals in Redis; then, if no
    other live worker is still to close, one worker (whoever claims it first) gets the pooled runs to
    record, clears the totals, so a job name reused the next night starts from zero, and sends
    :data:`job_recorded`. Outside distributed mode, ``runs`` are returned as they are.

    A worker that lost Redis records nothing: the totals are out of reach, and its run, stopped
    with the job unfinished, is no walk of any portal.
    """
    queue = queue_of(crawler)
    if queue is None:
        return list(runs)
    try:
        pooled = _pool(queue, runs)
    except RedisLost:
        logger.warning("Redis is lost: this worker records no portal health")
        return []
    if pooled is None:
        return []
    crawler.signals.send_catch_log(job_recorded)
    # In the order portal_health gives: where a division has several portals, the one with reports last.
    return sorted(pooled, key=lambda r: r.reports > 0)


def _pool(queue: LeasedQueue, runs: Sequence[Any]) -> list[Any] | None:
    """Add ``runs`` to the job's totals; the pooled runs if this worker records them, else None."""
    server, call, prefix = queue.server, queue.guard.call, f"{queue.key}:health"

    def add() -> None:
        pipe = server.pipeline()  # built per attempt: a pipeline that failed is emptied
        for run in runs:
            key = f"{prefix}:{run.portal.portal_url}"
            pipe.hincrby(key, "pages", run.pages)
            pipe.hincrby(key, "reports", run.reports)
            pipe.hincrby(key, "discovery_pages", run.discovery_pages)
            for column, count in run.productive.items():
                pipe.hincrby(f"{key}:productive", column, count)
            for column, way in run.ways.items():
                pipe.hsetnx(f"{key}:ways", column, way)
            if run.listed:
                pipe.sadd(f"{key}:listed", *run.listed)
            if run.column_url:
                pipe.hsetnx(key, "column_url", run.column_url)
            if run.failure:
                pipe.hsetnx(key, "failure", run.failure)
            if run.robots:
                pipe.hset(key, "robots", 1)
            if run.cut_short:
                pipe.hset(key, "cut_short", 1)
            if run.columns:
                pipe.sadd(f"{key}:columns", *run.columns)
        pipe.sadd(f"{prefix}:closed", queue.worker)
        pipe.execute()

    call(add)
    closed = {m.decode() for m in call(server.smembers, f"{prefix}:closed")}
    alive = {k.decode()[len(queue.heartbeat_prefix):] for k in call(lambda: list(server.scan_iter(f"{queue.heartbeat_prefix}*")))}
    if alive - closed or not call(server.set, f"{prefix}:recorder", queue.worker, nx=True):
        return None
    pooled = []
    for run in runs:
        key = f"{prefix}:{run.portal.portal_url}"
        totals = {k.decode(): v.decode() for k, v in call(server.hgetall, key).items()}
        pooled.append(
            dataclasses.replace(
                run,
                pages=int(totals.get("pages", 0)),
                reports=int(totals.get("reports", 0)),
                column_url=totals.get("column_url"),
                failure=totals.get("failure"),
                robots=bool(totals.get("robots")),
                cut_short=bool(totals.get("cut_short")),
                columns=sorted(m.decode() for m in call(server.smembers, f"{key}:columns")),
                discovery_pages=int(totals.get("discovery_pages", 0)),
                productive=_decoded(call(server.hgetall, f"{key}:productive"), int),
                ways=_decoded(call(server.hgetall, f"{key}:ways"), str),
                listed={m.decode() for m in call(server.smembers, f"{key}:listed")},
            )
        )
    keys = call(lambda: list(server.scan_iter(f"{prefix}:*")))
    call(server.delete, *keys)
    return pooled


def _decoded(mapping: dict[bytes, bytes], kind: type) -> dict[str, Any]:
    """A Redis hash as text keys and ``kind`` values."""
    return {k.decode(): kind(v.decode()) for k, v in mapping.items()}
