"""Running the crawl: ``govcrawl crawl``, in this process or as the workers of a distributed job.

One worker is ``scrapy crawl county`` run here, with the project's settings whether or not a
``scrapy.cfg`` is around (an installed wheel has none). Several share one job's queue in Redis
(:mod:`govcrawl.distributed`): each is a ``govcrawl crawl`` process of its own; the job's keys are
removed when all are done. Either way the exit code is the run's outcome (:mod:`govcrawl.exitcodes`):
11 when the workers lost Redis for longer than ``GOVCRAWL_REDIS_RETRY_SECONDS``, the job unfinished
(running it again with the same ``--job`` completes it).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

#: The settings module of a crawl started outside a Scrapy project directory.
SETTINGS_MODULE = "govcrawl.settings"
#: The Redis of a distributed crawl when neither ``--redis`` nor ``GOVCRAWL_REDIS_URL`` says.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def crawl(spider_args: dict[str, str | None], settings: dict[str, str] | None = None) -> int:
    """Run the ``county`` spider with ``spider_args`` in this process; the run's exit code."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", SETTINGS_MODULE)
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from govcrawl.extensions.archive import ArchiveExtension

    project = get_project_settings()
    project.setdict(settings or {}, priority="cmdline")
    process = CrawlerProcess(project)
    crawler = process.create_crawler("county")
    process.crawl(crawler, **{k: v for k, v in spider_args.items() if v is not None})
    process.start()
    if process.bootstrap_failed:
        return 1
    extension = crawler.get_extension(ArchiveExtension)
    return int(extension.exit_code) if extension is not None else 0


def crawl_workers(
    workers: int,
    spider_args: dict[str, str | None],
    settings: dict[str, str] | None = None,
    *,
    redis_url: str | None = None,
    job: str | None = None,
) -> int:
    """Start ``workers`` crawl processes of one distributed job, wait for all, remove the job's keys;
    the worst exit code. ``job`` names the job (default: random): reusing a name resumes it."""
    import redis

    from govcrawl.distributed import clear_job

    redis_url = redis_url or os.environ.get("GOVCRAWL_REDIS_URL") or DEFAULT_REDIS_URL
    job = job or secrets.token_hex(4)
    env = dict(os.environ, GOVCRAWL_REDIS_URL=redis_url, GOVCRAWL_JOB=job)
    command = [sys.executable, "-m", "govcrawl", "crawl"]
    for name, value in spider_args.items():
        if value is not None:
            command += [f"--{name}", value]
    for name, value in (settings or {}).items():
        command += ["-s", f"{name}={value}"]
    procs = [subprocess.Popen(command, env=env) for _ in range(workers)]
    codes = [p.wait() for p in procs]
    try:
        clear_job(redis_url, job)
    except redis.exceptions.ConnectionError as exc:  # the workers said so already (exit 11)
        print(f"govcrawl: the keys of job {job} are left in Redis, unreachable: {exc}", file=sys.stderr)
    return max(codes)
