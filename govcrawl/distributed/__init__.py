"""Distributed crawling: several ``scrapy crawl county`` workers sharing one queue in Redis.

scrapy-redis gives the shared scheduler queue and duplicate filter; what it lacks is a guarantee
that a worker killed mid-run loses nothing: a request popped from its queue is gone. So popped
requests are *leased* (:mod:`.queue`): they move atomically into an in-flight hash, owned by a
worker whose heartbeat key lives in Redis with a short TTL, and are acknowledged only after their
callback's output (new requests, stored items) has been handled. When a worker's heartbeat expires,
any worker that goes idle puts the dead worker's leases back on the queue. A worker stays open while
the queue or anyone's in-flight hash is non-empty (:mod:`govcrawl.extensions.coordinator`).

Redis itself may go away. Every Redis call of a worker is retried while it does, for up to
``GOVCRAWL_REDIS_RETRY_SECONDS``; past that the worker stops with ``queue_lost`` (exit 11). A Redis
that comes back empty (restarted without persistence) has lost the queue, the leases and the
duplicate filter, and an empty queue no longer means the job is done. So the job's state is also
kept where a restart cannot lose it: a row in the archive (``crawl_jobs``: every worker records it
at open, the last to close marks it finished) and a generation marker in Redis, set when the job's
queue is first seeded. A worker that finds the marker gone while the job is not finished rebuilds
the queue from the start requests of every portal as a new generation (one worker: it claims the
rebuild), and no worker takes an empty queue for the end of the job while the marker is missing.
Requests carry their generation, and the queue takes only the job's current one: what the pages of
the lost generation still produce is dropped, so the rebuilt queue walks every portal afresh.

Each worker sees only the pages it fetched, so portal health is pooled (:mod:`.health`): at close,
every worker adds what it saw of each portal to the job's totals in Redis, and the last worker to
close records the pooled health of every portal.

Enabled by ``GOVCRAWL_REDIS_URL`` (see ``govcrawl/settings.py``); ``GOVCRAWL_JOB`` names the job
so that its keys (``govcrawl:<job>:...``) do not mix with another job's. ``govcrawl crawl --workers N``
(:mod:`govcrawl.crawl`) starts the workers of one job.

The package needs nothing of the crawl's extensions: the archive extension imports :mod:`.health`,
and the job's coordinator, which uses the archive extension, is an extension itself
(:mod:`govcrawl.extensions.coordinator`).
"""

from __future__ import annotations

from typing import Any

from redis.backoff import NoBackoff
from redis.retry import Retry


def job_prefix(job: str) -> str:
    """The Redis key prefix of a job."""
    return f"govcrawl:{job}"


def settings_for(redis_url: str, job: str) -> dict[str, Any]:
    """The Scrapy settings of a distributed worker of ``job``."""
    prefix = job_prefix(job)
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "govcrawl.distributed.queue.LeasedQueue",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
        "DUPEFILTER_CLASS": "govcrawl.distributed.queue.LeasedDupeFilter",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:dupefilter",
        # The job's keys outlive each worker: the driver removes them when the whole job is done.
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": redis_url,
        "REDIS_PARAMS": {
            # Our calls wait out an outage themselves (queue.RedisGuard, bounded in time); redis-py
            # only retries once at once, which is what a pooled connection that a restarted server
            # closed needs, so that its default back-off does not stretch each of our attempts.
            "retry": Retry(NoBackoff(), 1),
            "socket_connect_timeout": 5,
            "socket_timeout": 10,
        },
        # Outermost spider middleware: it acknowledges after every other one has handled the output.
        "SPIDER_MIDDLEWARES": {"govcrawl.distributed.queue.AckMiddleware": 1},
        "EXTENSIONS": {"govcrawl.extensions.coordinator.Coordinator": 500},
    }


def clear_job(redis_url: str, job: str) -> int:
    """Delete every key of ``job``; how many were deleted."""
    import redis

    server = redis.Redis.from_url(redis_url)
    keys = list(server.scan_iter(f"{job_prefix(job)}:*"))
    return server.delete(*keys) if keys else 0
