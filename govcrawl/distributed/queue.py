"""The shared queue of a distributed job: leased requests, their generation, and patience with Redis.

:class:`LeasedQueue` is scrapy-redis' scheduler queue with leases (see the package docstring);
:class:`LeasedDupeFilter` its duplicate filter; :class:`AckMiddleware` acknowledges a lease once its
request's output is handled. Every Redis call of the worker goes through its :class:`RedisGuard`,
which retries while Redis is away and gives up for the whole crawl past a bound.

Every request belongs to a *generation* of the job's queue: its parent's, or for a request of no
parent (a start request) the generation its worker works in. The queue and the duplicate filter take
a request only while it is the job's generation, the marker's (or, while a rebuild seeds a new
generation, the rebuild claim's). So when Redis loses the queue, what the pages fetched before the
loss still produce is dropped: the rebuilt queue walks every portal afresh, in the order a first
walk takes, and nothing left over from the lost walk fills its duplicate filter (a URL asked for
as a report from a sub-column page would otherwise keep the same URL from being read as a list).
Fingerprints are kept per generation for the same reason. The queue, its duplicate filter, the
acknowledgements and the guard stay in one module: they share the lease and generation protocol,
whose Lua scripts are here too.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import secrets
import socket
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any, TypeVar

from itemadapter import is_item
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base

from govcrawl.distributed import job_prefix

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Request meta key carrying the lease token of a request popped from the shared queue.
LEASE = "govcrawl_lease"
#: Request meta key carrying the generation of the job's queue the request belongs to.
GENERATION = "govcrawl_generation"
#: Seconds a worker's heartbeat lives without renewal; a killed worker's leases return after it.
DEFAULT_LEASE_TTL = 10
#: Seconds Redis calls are retried while Redis is away before the crawl stops (``GOVCRAWL_REDIS_RETRY_SECONDS``).
DEFAULT_RETRY_SECONDS = 60.0
#: The longest pause between two attempts: a restarted Redis is used again within this.
MAX_BACKOFF_SECONDS = 1.0

#: Signal sent (with ``message``) when Redis stayed away past the bound: the crawl must stop.
redis_lost = object()

# Pop the best request and lease it to a worker, atomically. The token comes from the worker
# (unique in its process, prefixed by its name) rather than from a counter in Redis, which a
# restart would reset to hand out tokens still held for requests leased before it.
_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return nil end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], ARGV[2], r[1])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[1] .. '|' .. r[2])
return r[1]
"""
# Put back on the queue, with its priority, every lease whose owner's heartbeat is gone, and every
# lease of ARGV[2] (the caller, idle: a lease it owns but does not know of had its pop's reply lost).
_RECLAIM = """
local owners = redis.call('HGETALL', KEYS[3])
local moved = 0
for i = 1, #owners, 2 do
  local token, v = owners[i], owners[i + 1]
  local sep = string.find(v, '|', 1, true)
  local owner, score = string.sub(v, 1, sep - 1), string.sub(v, sep + 1)
  if owner == ARGV[2] or redis.call('EXISTS', ARGV[1] .. owner) == 0 then
    local data = redis.call('HGET', KEYS[2], token)
    if data then redis.call('ZADD', KEYS[1], score, data) end
    redis.call('HDEL', KEYS[2], token)
    redis.call('HDEL', KEYS[3], token)
    moved = moved + 1
  end
end
return moved
"""
# The fence of both: -1 for a request (of generation ARGV[1]) that is not of the job's generation,
# the marker's (KEYS[1]) or, while there is no marker, a rebuild claim's (KEYS[2]).
_FENCE = """
local current = redis.call('GET', KEYS[1]) or redis.call('GET', KEYS[2])
if current ~= ARGV[1] then return -1 end
"""
_PUSH = _FENCE + "return redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])"
_SEEN = _FENCE + "return redis.call('SADD', KEYS[3], ARGV[1] .. ':' .. ARGV[2])"
# End a rebuild: its generation (ARGV[1]) becomes the job's if the caller's claim (KEYS[1]) still
# stands (Redis did not restart meanwhile) and no marker (KEYS[2]) was set by a worker that opened.
_MARK = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('SET', KEYS[2], ARGV[1], 'NX') then return 1 end
return 0
"""


def new_generation() -> str:
    """A name for a new generation of a job's queue."""
    return secrets.token_hex(4)


def worker_id() -> str:
    """This process's name among the workers: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


class RedisLost(Exception):
    """Redis stayed away past the bound (or did before): the crawl is stopping without its queue."""


class RedisGuard:
    """One crawl's link to its job in Redis: patient calls, and the generation the worker works in.

    A call that fails to reach Redis is tried again, the pause doubling up to
    :data:`MAX_BACKOFF_SECONDS`, for up to ``seconds``. The wait blocks the reactor: the crawl can
    neither schedule nor fetch without its queue anyway, and a restarted Redis is back within a
    second or two. Past the bound the guard sends :data:`redis_lost` once and every call after it,
    of any component, raises :class:`RedisLost` at once, so that the crawl stops within the bound
    and not one bound per call.
    """

    def __init__(self, crawler: Crawler, seconds: float) -> None:
        self.crawler = crawler
        self.seconds = seconds
        self.lost = False
        prefix = job_prefix(crawler.settings.get("GOVCRAWL_JOB", "default"))
        #: The job's generation marker, and the key a worker rebuilding the queue claims.
        self.marker_key = f"{prefix}:generation"
        self.claim_key = f"{prefix}:rebuilding"
        #: The generation this worker works in: that of its requests of no parent.
        self.generation = ""

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)``, retried while Redis is unreachable; :class:`RedisLost` past the bound."""
        if self.lost:
            raise RedisLost("Redis was lost earlier in this crawl")
        started: float | None = None
        pause = 0.1
        while True:
            try:
                result = fn(*args, **kwargs)
            except (RedisConnectionError, RedisTimeoutError) as exc:
                now = time.monotonic()
                if started is None:
                    started = now
                    self.crawler.stats.inc_value("govcrawl/distributed/redis_outages")
                    logger.warning("Redis is unreachable (%s): retrying for up to %.0f s", exc, self.seconds)
                left = started + self.seconds - now
                if left <= 0:
                    self.lost = True
                    message = (
                        f"Redis unreachable for {self.seconds:.0f} s ({exc}): the job's queue is lost to this worker; "
                        "run the job again when Redis is back"
                    )
                    self.crawler.signals.send_catch_log(redis_lost, message=message)
                    raise RedisLost(message) from exc
                time.sleep(min(pause, left))
                pause = min(pause * 2, MAX_BACKOFF_SECONDS)
            else:
                if started is not None:
                    logger.warning("Redis is back after %.1f s", time.monotonic() - started)
                return result

    def generation_of(self, request: Request) -> str:
        """The generation ``request`` belongs to: its parent's, else this worker's (now its own)."""
        return request.meta.setdefault(GENERATION, self.generation)

    def fenced(self) -> None:
        """Count a request dropped for belonging to a generation the job no longer has."""
        self.crawler.stats.inc_value("govcrawl/distributed/stale_dropped")


_guards: weakref.WeakKeyDictionary[Crawler, RedisGuard] = weakref.WeakKeyDictionary()


def guard_for(crawler: Crawler) -> RedisGuard:
    """The crawl's :class:`RedisGuard`, shared by its queue, duplicate filter, coordinator and health pooling."""
    guard = _guards.get(crawler)
    if guard is None:
        seconds = crawler.settings.getfloat("GOVCRAWL_REDIS_RETRY_SECONDS", DEFAULT_RETRY_SECONDS)
        guard = _guards[crawler] = RedisGuard(crawler, seconds)
    return guard


class LeasedQueue(Base):
    """A priority queue whose popped requests stay leased until acknowledged.

    The calls the scheduler makes (length, push, pop) and acknowledgements wait out a Redis outage
    and, once Redis is lost for good, answer as an empty queue: the crawl is stopping then. The
    coordinator's calls (heartbeat, reclaim, in-flight count) raise :class:`RedisLost` instead.
    """

    def __init__(self, server: Any, spider: Spider, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.inflight_key = f"{self.key}:inflight"
        self.owners_key = f"{self.key}:owners"
        self.heartbeat_prefix = f"{self.key}:worker:"
        self.worker = worker_id()
        self.guard = guard_for(spider.crawler)
        self._pop = server.register_script(_POP)
        self._push = server.register_script(_PUSH)
        self._reclaim = server.register_script(_RECLAIM)
        self._mark = server.register_script(_MARK)
        self._tokens = itertools.count(1)
        self.held: set[str] = set()
        with contextlib.suppress(RedisLost):  # then the crawl is stopping
            self.guard.generation = self.guard.call(self._join)

    def _join(self) -> str:
        # The job's first worker, or the first to open after Redis lost the job, starts a generation:
        # its start requests, queued next, seed it.
        self.server.set(self.guard.marker_key, new_generation(), nx=True)
        return (self.server.get(self.guard.marker_key) or b"").decode()

    def __len__(self) -> int:
        try:
            return self.guard.call(self.server.zcard, self.key)
        except RedisLost:
            return 0

    def push(self, request: Request) -> None:
        request.meta.pop(LEASE, None)
        keys = [self.guard.marker_key, self.guard.claim_key, self.key]
        args = [self.guard.generation_of(request), -request.priority, self._encode_request(request)]
        # Once Redis is lost the crawl is stopping with the job unfinished: its next run fetches this again.
        with contextlib.suppress(RedisLost):
            if self.guard.call(self._push, keys=keys, args=args) == -1:
                self.guard.fenced()

    def pop(self, timeout: int = 0) -> Request | None:
        token = f"{self.worker}:{next(self._tokens)}"
        keys = [self.key, self.inflight_key, self.owners_key]
        try:
            data = self.guard.call(self._pop, keys=keys, args=[self.worker, token])
        except RedisLost:
            return None
        if not data:
            return None
        request = self._decode_request(data)
        request.meta[LEASE] = token
        self.held.add(token)
        return request

    def ack(self, token: str | None) -> None:
        """The leased request is done: forget it."""
        if token is None:
            return
        self.held.discard(token)
        with contextlib.suppress(RedisLost):  # no queue to acknowledge to any more
            self.guard.call(self._forget, token)

    def _forget(self, token: str) -> None:
        # A pipeline of its own per attempt: one that failed is emptied.
        pipe = self.server.pipeline()
        pipe.hdel(self.inflight_key, token)
        pipe.hdel(self.owners_key, token)
        pipe.execute()

    def heartbeat(self, ttl: int) -> None:
        """Say this worker is alive for the next ``ttl`` seconds."""
        self.guard.call(self.server.set, self.heartbeat_prefix + self.worker, b"1", ex=ttl)

    def reclaim(self) -> int:
        """Requeue the leases of workers whose heartbeat expired, and this idle worker's forgotten
        ones; how many were requeued."""
        keys = [self.key, self.inflight_key, self.owners_key]
        return int(self.guard.call(self._reclaim, keys=keys, args=[self.heartbeat_prefix, self.worker]))

    def inflight(self) -> int:
        """Leased requests of all workers."""
        return self.guard.call(self.server.hlen, self.inflight_key)

    def marker(self) -> str | None:
        """The job's generation marker; None when Redis lost it."""
        marker = self.guard.call(self.server.get, self.guard.marker_key)
        return marker.decode() if marker is not None else None

    def claim_rebuild(self, generation: str, seconds: int) -> bool:
        """Claim the rebuild of the lost queue as ``generation`` for ``seconds``; False if another worker has."""
        return bool(self.guard.call(self.server.set, self.guard.claim_key, generation, nx=True, ex=seconds))

    def mark(self, generation: str) -> bool:
        """End a rebuild: ``generation`` becomes the job's, if this worker's claim still stands and no
        worker opened meanwhile (which seeded a generation of its own); whether it did."""
        return bool(self.guard.call(self._mark, keys=[self.guard.claim_key, self.guard.marker_key], args=[generation]))

    def clear(self) -> None:
        self.guard.call(self.server.delete, self.key, self.inflight_key, self.owners_key)


class LeasedDupeFilter(RFPDupeFilter):
    """scrapy-redis' duplicate filter, patient with Redis and fenced by generation like the queue."""

    guard: RedisGuard
    _seen: Any

    @classmethod
    def from_spider(cls, spider: Spider) -> LeasedDupeFilter:
        dupefilter = super().from_spider(spider)
        dupefilter.guard = guard_for(spider.crawler)
        dupefilter._seen = dupefilter.server.register_script(_SEEN)
        return dupefilter

    def request_seen(self, request: Request) -> bool:
        """Whether ``request`` is not to be queued: seen in its generation, or of a generation gone."""
        keys = [self.guard.marker_key, self.guard.claim_key, self.key]
        args = [self.guard.generation_of(request), self.request_fingerprint(request)]
        try:
            added = self.guard.call(self._seen, keys=keys, args=args)
        except RedisLost:
            return True  # the crawl is stopping: queue nothing more
        if added == -1:
            self.guard.fenced()
        return added != 1


def queue_of(crawler: Crawler) -> LeasedQueue | None:
    """The crawl's shared queue, or None outside distributed mode (or before the scheduler opened)."""
    scheduler = crawler.engine.scheduler if crawler.engine else None
    queue = getattr(scheduler, "queue", None)
    return queue if isinstance(queue, LeasedQueue) else None


def _request_of(response: Any) -> Request | None:
    return getattr(response, "request", None)  # a Response, or the Failure of an errback


def _lease_of(response: Any) -> str | None:
    request = _request_of(response)
    return request.meta.get(LEASE) if request is not None else None


class AckMiddleware:
    """Spider middleware: acknowledge a leased request once everything its callback produced is handled.

    New requests are in the shared queue as soon as the callback yields them; items are done when
    they leave the pipelines (scraped, dropped or failed). Items are processed concurrently with the
    callback's iteration, so the ack waits for both: the output exhausted and no item still pending.
    New requests inherit their parent's generation.
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

    def _handle(self, response: Any, output: Any) -> None:
        """Count an item of the leased ``response``; pass its generation on to a request."""
        parent = _request_of(response)
        if parent is None:
            return
        if isinstance(output, Request):
            if GENERATION in parent.meta:
                output.meta[GENERATION] = parent.meta[GENERATION]
        elif is_item(output) and LEASE in parent.meta:
            token = parent.meta[LEASE]
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
            queue = queue_of(self.crawler)
            if queue is not None:
                queue.ack(token)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for output in result:
            self._handle(response, output)
            yield output
        self._finish(_lease_of(response))

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for output in result:
            self._handle(response, output)
            yield output
        self._finish(_lease_of(response))

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        self._finish(_lease_of(response))
