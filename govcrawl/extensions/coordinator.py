"""The ``Coordinator`` extension: one worker's part in keeping a distributed job together.

It heartbeats; on ``spider_idle`` it requeues the leases no live worker is working on and keeps the
worker open while the job has work anywhere; it watches the job's generation marker, rebuilding the
queue as a new generation when Redis lost it (see :mod:`govcrawl.distributed` and
:mod:`govcrawl.distributed.queue`); and it
stops the crawl with ``queue_lost`` when Redis stays away past ``GOVCRAWL_REDIS_RETRY_SECONDS``.
The job's row in the archive (``crawl_jobs``) is recorded at open by every worker, counts the
rebuilds, and is marked finished by the last worker to close once the job's work is done.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from govcrawl.distributed.health import job_recorded
from govcrawl.distributed.queue import (
    DEFAULT_LEASE_TTL,
    GENERATION,
    RedisLost,
    guard_for,
    new_generation,
    queue_of,
    redis_lost,
)
from govcrawl.extensions.archive import INTERNAL_ERROR, QUEUE_LOST, ArchiveExtension
from govcrawl.store.database import aware, now
from govcrawl.store.writer import StoreUnavailable

logger = logging.getLogger(__name__)


def start_requests(spider: Any) -> list[Request]:
    """What every portal of the job starts from again when its lost queue is rebuilt.

    As the spider's ``start()``: the portal's last good column as a list request when it has one.
    And its homepage, always: a worker that saw the hint fail before the loss has turned to the
    homepage once already and would not again, so the hint alone could lead nowhere.
    """
    requests = []
    for portal in spider.portals:
        spider.restart_discovery(portal)
        requests.extend(spider.hint_requests(portal))
        requests.append(spider._homepage(portal))
    return requests


class Coordinator:
    """Extension: heartbeat, reclaiming leases, staying open while others work, rebuilding a lost queue."""

    def __init__(self, crawler: Crawler, ttl: int) -> None:
        self.crawler = crawler
        self.ttl = ttl
        self.job: str = crawler.settings.get("GOVCRAWL_JOB", "default")
        self.guard = guard_for(crawler)
        self.opened_at: datetime | None = None
        #: The archive says the job was finished (after this worker started) by its other workers.
        self.job_finished = False
        #: This worker found the job's work done: nothing queued or leased, the marker unchanged.
        self.done = False
        self._tick_loop: task.LoopingCall | None = None
        self._recovery: Deferred[None] | None = None
        crawler.signals.connect(self.opened, signals.spider_opened)
        crawler.signals.connect(self.closed, signals.spider_closed)
        crawler.signals.connect(self.idle, signals.spider_idle)
        crawler.signals.connect(self._lost, redis_lost)
        crawler.signals.connect(self._recorded, job_recorded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Coordinator:
        return cls(crawler, crawler.settings.getint("GOVCRAWL_LEASE_TTL", DEFAULT_LEASE_TTL))

    def _archive(self) -> ArchiveExtension | None:
        """The archive extension, when its archive is open."""
        extension = self.crawler.get_extension(ArchiveExtension)
        return extension if extension is not None and extension.archive is not None else None

    def opened(self, spider: Spider) -> None:
        self.opened_at = now()
        extension = self._archive()  # its spider_opened ran first (order 100)
        if extension is not None:
            arguments = {"spider": spider.name, **{k: getattr(spider, k, None) for k in ("province", "division", "seeds_file")}}
            try:
                extension.writer.write_now(extension.archive.runs.start_job, self.job, arguments)
            except StoreUnavailable as exc:  # the archive extension stops the crawl at its next write
                logger.warning("job %s not recorded in the archive: %s", self.job, exc)
        if queue_of(self.crawler) is None or self.guard.lost:
            return
        self._tick_loop = task.LoopingCall(self._tick, spider)
        self._tick_loop.start(max(self.ttl / 3, 0.5), now=True)

    def _tick(self, spider: Spider) -> None:
        """Heartbeat, and look at the generation marker: gone, Redis lost the job's queue."""
        queue = queue_of(self.crawler)
        if queue is None or self.guard.lost:
            return
        try:
            queue.heartbeat(self.ttl)
            marker = queue.marker()
        except RedisLost:
            return
        if marker is None:
            self._recover(spider)
        else:
            self.guard.generation = marker  # the same, or another worker's rebuild

    def idle(self, spider: Spider) -> None:
        queue = queue_of(self.crawler)
        if queue is None or self.guard.lost:
            return
        try:
            # Idle means nothing is in flight here: leases still held locally belong to requests that
            # ended without output (dropped, ignored); release them so no one waits for them.
            for token in list(queue.held):
                queue.ack(token)
            moved = queue.reclaim()
            if moved:
                spider.logger.info("requeued %d leased requests no live worker is working on", moved)
                self.crawler.stats.inc_value("govcrawl/distributed/reclaimed", moved)
            if len(queue) or queue.inflight():
                raise DontCloseSpider
            # Read after the queue: an empty queue ends the job only if Redis did not lose it meanwhile.
            marker = queue.marker()
        except RedisLost:
            return  # the crawl is stopping (queue_lost)
        if marker is None and not self.job_finished:
            self._recover(spider)
            raise DontCloseSpider
        if marker is not None and marker != self.guard.generation:
            self.guard.generation = marker  # rebuilt meanwhile: look again
            raise DontCloseSpider
        self.done = True

    def _recover(self, spider: Spider) -> None:
        """Start rebuilding the lost queue, unless an attempt is under way. Not waited for: the
        heartbeat goes on while the attempt waits on the archive."""
        if self._recovery is not None:
            return
        recovery = self._recovery = deferred_from_coro(self._rebuild(spider))
        recovery.addErrback(self._rebuild_failed)
        recovery.addBoth(self._recovered)  # maybe at once, when the attempt awaited nothing

    def _recovered(self, _: None) -> None:
        self._recovery = None

    def _rebuild_failed(self, failure: Failure) -> None:
        """A rebuild raised: a fault of ours, which every later tick would raise again while the job
        waits on a queue no one rebuilds. Stop the crawl (internal_error, exit 10)."""
        extension = self.crawler.get_extension(ArchiveExtension)
        if extension is not None:
            extension.internal_error(failure.value, f"the rebuild of job {self.job}'s queue", None)
        else:
            self._close(INTERNAL_ERROR, f"rebuilding job {self.job}'s queue failed",
                        exc_info=(failure.type, failure.value, failure.tb))

    async def _rebuild(self, spider: Spider) -> None:
        """The job's marker is gone: unless the job is finished, claim the rebuild and queue the start
        requests of every portal again, as a new generation. Its walk starts afresh (what the lost
        generation's pages still produce is dropped): pages are fetched again as the walks need them,
        reports archived before this worker started come from the HTTP cache, and the archive keeps
        each report once."""
        extension = self._archive()
        if extension is not None:
            if extension.stop_reason is not None:
                return
            try:
                job = await extension.writer.write(extension.archive.runs.job, self.job)
            except StoreUnavailable:
                return  # the archive is lost and the crawl stopping (archive_lost)
            assert self.opened_at is not None
            if job is not None and job.finished_at is not None and aware(job.finished_at) >= self.opened_at:
                # Its other workers finished it and its keys were removed: nothing was lost.
                self.job_finished = True
                return
        queue = queue_of(self.crawler)
        if queue is None or self.crawler.engine is None or self.crawler.engine.spider is None:
            return
        generation = new_generation()
        try:
            if not queue.claim_rebuild(generation, self.ttl):
                return  # another worker is rebuilding it
            # The new generation's requests: the queue takes them on the claim until the marker is set,
            # and nothing of the lost generation.
            requests = start_requests(spider)
            for request in requests:
                request.meta[GENERATION] = generation
                self.crawler.engine.crawl(request)
            marked = queue.mark(generation)
        except RedisLost:
            return
        if not marked:
            return  # Redis restarted again meanwhile, or a worker opened and seeded: the next tick looks again
        self.guard.generation = generation
        self.crawler.stats.inc_value("govcrawl/distributed/rebuilds")
        logger.warning(
            "Redis lost job %s's queue (restarted?): rebuilt it from the start requests of its %d portals (%d requests)",
            self.job, len(spider.portals), len(requests),
        )
        if extension is not None:
            await extension.write("runs.job_rebuilt", self.job)

    def _lost(self, message: str) -> None:
        """Redis stayed away past the bound: stop the crawl (exit 11), the job unfinished."""
        extension = self.crawler.get_extension(ArchiveExtension)
        if extension is not None:
            extension.stop(QUEUE_LOST, message)
        else:
            self._close(QUEUE_LOST, message)

    def _close(self, reason: str, message: str, exc_info: Any = None) -> None:
        """Stop the crawl with one line, without the archive extension (which would say it and keep the reason)."""
        logger.critical("stopping the crawl: %s", message, exc_info=exc_info)
        if self.crawler.engine is not None and self.crawler.engine.spider is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))

    def _recorded(self) -> None:
        """This worker recorded the job's pooled health, the last to close: the job is finished if
        its work is done (a worker closing on a signal or an error leaves it to be resumed)."""
        extension = self._archive()
        if self.done and extension is not None:
            try:
                extension.writer.write_now(extension.archive.runs.finish_job, self.job)
            except StoreUnavailable as exc:
                logger.warning("job %s not marked finished in the archive: %s", self.job, exc)

    def closed(self, spider: Spider) -> None:
        if self._tick_loop is not None and self._tick_loop.running:
            self._tick_loop.stop()
