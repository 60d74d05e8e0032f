"""Distributed crawling: several ``scrapy crawl county`` workers sharing one queue in Redis.

scrapy-redis gives the shared scheduler queue and duplicate filter; what it lacks is a guarantee
that a worker killed mid-run loses nothing: a request popped from its queue is gone. So popped
requests are *leased*: they move atomically into an in-flight hash, owned by a worker whose
heartbeat key lives in Redis with a short TTL, and are acknowledged only after their callback's
output (new requests, stored items) has been handled. When a worker's heartbeat expires, any worker
that goes idle puts the dead worker's leases back on the queue. A worker stays open while the queue
or anyone's in-flight hash is non-empty.

Each worker sees only the pages it fetched, so portal health is pooled: at close, every worker adds
what it saw of each portal to the job's totals in Redis, and the last worker to close records the
pooled health of every portal (one row per portal for the whole job; see :func:`pooled_health`).

Enabled by ``GOVCRAWL_REDIS_URL`` (see ``govcrawl/settings.py``); ``GOVCRAWL_JOB`` names the job
so that its keys (``govcrawl:<job>:...``) do not mix with another job's. ``govcrawl crawl --workers N``
(:mod:`govcrawl.crawl`) starts the workers of one job.
"""

from __future__ import annotations

import dataclasses
import os
import socket
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import Any

from itemadapter import is_item
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy_redis.queue import Base
from twisted.internet import task

#: Request meta key carrying the lease token of a request popped from the shared queue.
LEASE = "govcrawl_lease"
#: Seconds a worker's heartbeat lives without renewal; a killed worker's leases return after it.
DEFAULT_LEASE_TTL = 10

# Pop the best request and lease it to a worker, atomically.
_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return nil end
redis.call('ZREM', KEYS[1], r[1])
local token = tostring(redis.call('INCR', KEYS[4]))
redis.call('HSET', KEYS[2], token, r[1])
redis.call('HSET', KEYS[3], token, ARGV[1] .. '|' .. r[2])
return {token, r[1]}
"""
# Put every lease whose owner's heartbeat is gone back on the queue, with its priority.
_RECLAIM = """
local owners = redis.call('HGETALL', KEYS[3])
local moved = 0
for i = 1, #owners, 2 do
  local token, v = owners[i], owners[i + 1]
  local sep = string.find(v, '|', 1, true)
  local owner, score = string.sub(v, 1, sep - 1), string.sub(v, sep + 1)
  if redis.call('EXISTS', ARGV[1] .. owner) == 0 then
    local data = redis.call('HGET', KEYS[2], token)
    if data then redis.call('ZADD', KEYS[1], score, data) end
    redis.call('HDEL', KEYS[2], token)
    redis.call('HDEL', KEYS[3], token)
    moved = moved + 1
  end
end
return moved
"""


def worker_id() -> str:
    """This process's name among the workers: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def job_prefix(job: str) -> str:
    """The Redis key prefix of a job."""
    return f"govcrawl:{job}"


class LeasedQueue(Base):
    """A priority queue whose popped requests stay leased until acknowledged."""

    def __init__(self, server: Any, spider: Spider, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.inflight_key = f"{self.key}:inflight"
        self.owners_key = f"{self.key}:owners"
        self.counter_key = f"{self.key}:lease-counter"
        self.heartbeat_prefix = f"{self.key}:worker:"
        self.worker = worker_id()
        self._pop = server.register_script(_POP)
        self._reclaim = server.register_script(_RECLAIM)
        self.held: set[str] = set()

    def __len__(self) -> int:
        return self.server.zcard(self.key)

    def push(self, request: Request) -> None:
        request.meta.pop(LEASE, None)
        self.server.execute_command("ZADD", self.key, -request.priority, self._encode_request(request))

    def pop(self, timeout: int = 0) -> Request | None:
        got = self._pop(keys=[self.key, self.inflight_key, self.owners_key, self.counter_key], args=[self.worker])
        if not got:
            return None
        token, data = got[0].decode(), got[1]
        request = self._decode_request(data)
        request.meta[LEASE] = token
        self.held.add(token)
        return request

    def ack(self, token: str | None) -> None:
        """The leased request is done: forget it."""
        if token is None:
            return
        pipe = self.server.pipeline()
        pipe.hdel(self.inflight_key, token)
        pipe.hdel(self.owners_key, token)
        pipe.execute()
        self.held.discard(token)

    def heartbeat(self, ttl: int) -> None:
        """Say this worker is alive for the next ``ttl`` seconds."""
        self.server.set(self.heartbeat_prefix + self.worker, b"1", ex=ttl)

    def reclaim(self) -> int:
        """Requeue the leases of workers whose heartbeat expired; how many were requeued."""
        return int(self._reclaim(keys=[self.key, self.inflight_key, self.owners_key], args=[self.heartbeat_prefix]))

    def inflight(self) -> int:
        """Leased requests of all workers."""
        return self.server.hlen(self.inflight_key)

    def clear(self) -> None:
        self.server.delete(self.key, self.inflight_key, self.owners_key, self.counter_key)


def _queue(crawler: Crawler) -> LeasedQueue | None:
    scheduler = crawler.engine.scheduler if crawler.engine else None
    queue = getattr(scheduler, "queue", None)
    return queue if isinstance(queue, LeasedQueue) else None


def _lease_of(response: Any) -> str | None:
    request = getattr(response, "request", None)  # a Response, or the Failure of an errback
    return request.meta.get(LEASE) if request is not None else None


class AckMiddleware:
    """Spider middleware: acknowledge a leased request once everything its callback produced is handled.

    New requests are in the shared queue as soon as the callback yields them; items are done when
    they leave the pipelines (scraped, dropped or failed). Items are processed concurrently with the
    callback's iteration, so the ack waits for both: the output exhausted and no item still pending.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.pending: dict[str, int] = {}
        self.exhausted: set[str] = set()
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._item_done, signal)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AckMiddleware:
        return cls(crawler)

    def _count(self, token: str | None, output: Any) -> None:
        if token is not None and is_item(output):
            self.pending[token] = self.pending.get(token, 0) + 1

    def _finish(self, token: str | None) -> None:
        if token is not None:
            self.exhausted.add(token)
            self._maybe_ack(token)

    def _item_done(self, item: Any, response: Any = None, **kwargs: Any) -> None:
        token = _lease_of(response)
        if token in self.pending:
            self.pending[token] -= 1
            self._maybe_ack(token)

    def _maybe_ack(self, token: str) -> None:
        if token in self.exhausted and not self.pending.get(token):
            self.exhausted.discard(token)
            self.pending.pop(token, None)
            queue = _queue(self.crawler)
            if queue is not None:
                queue.ack(token)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        token = _lease_of(response)
        for output in result:
            self._count(token, output)
            yield output
        self._finish(token)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        token = _lease_of(response)
        async for output in result:
            self._count(token, output)
            yield output
        self._finish(token)

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        self._finish(_lease_of(response))


class Coordinator:
    """Extension: heartbeat, reclaiming dead workers' leases, and staying open while others work."""

    def __init__(self, crawler: Crawler, ttl: int) -> None:
        self.crawler = crawler
        self.ttl = ttl
        self._beat: task.LoopingCall | None = None
        crawler.signals.connect(self.opened, signals.spider_opened)
        crawler.signals.connect(self.closed, signals.spider_closed)
        crawler.signals.connect(self.idle, signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Coordinator:
        return cls(crawler, crawler.settings.getint("GOVCRAWL_LEASE_TTL", DEFAULT_LEASE_TTL))

    def opened(self, spider: Spider) -> None:
        self._beat = task.LoopingCall(self._heartbeat)
        self._beat.start(max(self.ttl / 3, 0.5), now=True)

    def _heartbeat(self) -> None:
        queue = _queue(self.crawler)
        if queue is not None:
            queue.heartbeat(self.ttl)

    def idle(self, spider: Spider) -> None:
        queue = _queue(self.crawler)
        if queue is None:
            return
        # Idle means nothing is in flight here: leases still held locally belong to requests that
        # ended without output (dropped, ignored); release them so no one waits for them.
        for token in list(queue.held):
            queue.ack(token)
        moved = queue.reclaim()
        if moved:
            spider.logger.info("requeued %d requests of a worker that stopped", moved)
            self.crawler.stats.inc_value("govcrawl/distributed/reclaimed", moved)
        if len(queue) or queue.inflight():
            raise DontCloseSpider

    def closed(self, spider: Spider) -> None:
        if self._beat is not None and self._beat.running:
            self._beat.stop()


def pooled_health(crawler: Crawler, runs: Sequence[Any]) -> list[Any]:
    """Portal health for the whole distributed job, or [] when another worker will record it.

    ``runs`` are this worker's ``PortalRun``s (``govcrawl.spiders.county``). Their counts, column
    URLs, failures and robots flags are added to the job's per-portal totals in Redis; then, if no
    other live worker is still to close, one worker (whoever claims it first) gets the pooled runs to
    record and clears the totals, so a job name reused the next night starts from zero. Outside
    distributed mode, ``runs`` are returned as they are.
    """
    queue = _queue(crawler)
    if queue is None:
        return list(runs)
    server, prefix = queue.server, f"{queue.key}:health"
    pipe = server.pipeline()
    for run in runs:
        key = f"{prefix}:{run.portal.portal_url}"
        pipe.hincrby(key, "pages", run.pages)
        pipe.hincrby(key, "reports", run.reports)
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
    closed = {m.decode() for m in server.smembers(f"{prefix}:closed")}
    alive = {k.decode()[len(queue.heartbeat_prefix):] for k in server.scan_iter(f"{queue.heartbeat_prefix}*")}
    if alive - closed or not server.set(f"{prefix}:recorder", queue.worker, nx=True):
        return []
    pooled = []
    for run in runs:
        key = f"{prefix}:{run.portal.portal_url}"
        totals = {k.decode(): v.decode() for k, v in server.hgetall(key).items()}
        pooled.append(
            dataclasses.replace(
                run,
                pages=int(totals.get("pages", 0)),
                reports=int(totals.get("reports", 0)),
                column_url=totals.get("column_url"),
                failure=totals.get("failure"),
                robots=bool(totals.get("robots")),
                cut_short=bool(totals.get("cut_short")),
                columns=sorted(m.decode() for m in server.smembers(f"{key}:columns")),
            )
        )
    keys = list(server.scan_iter(f"{prefix}:*"))
    server.delete(*keys)
    # In the order portal_health gives: where a division has several portals, the one with reports last.
    return sorted(pooled, key=lambda r: r.reports > 0)


def settings_for(redis_url: str, job: str) -> dict[str, Any]:
    """The Scrapy settings of a distributed worker of ``job``."""
    prefix = job_prefix(job)
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "govcrawl.distributed.LeasedQueue",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:dupefilter",
        # The job's keys outlive each worker: the driver removes them when the whole job is done.
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": redis_url,
        # Outermost spider middleware: it acknowledges after every other one has handled the output.
        "SPIDER_MIDDLEWARES": {"govcrawl.distributed.AckMiddleware": 1},
        "EXTENSIONS": {"govcrawl.distributed.Coordinator": 500},
    }


def clear_job(redis_url: str, job: str) -> int:
    """Delete every key of ``job``; how many were deleted."""
    import redis

    server = redis.Redis.from_url(redis_url)
    keys = list(server.scan_iter(f"{job_prefix(job)}:*"))
    return server.delete(*keys) if keys else 0
