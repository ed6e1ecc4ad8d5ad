"""A run of ``fetch_images``: download the due lead images, make their renditions, store them.

Downloads run in threads (``downloads`` at once, at most ``per_host`` to one host), each under
the safe-fetching rules of :mod:`.safehttp`. Renditions are CPU work and run in worker
processes, one per core (``workers``; 1 makes them in this process). This process alone
writes files and rows, as results come in: the files first, then the row naming them
(:mod:`.storage`). At most ``window`` images are in flight, so memory stays flat
however many images a run has.

An image that fails (an HTTP error, a timeout, a refused address, bytes that are not an
image, a storage that cannot take its files...) costs that image alone: its reason is reported
through ``on_failure`` and kept on its row, and it is tried again after a back-off.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import hashlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import DatabaseError
from django.utils import timezone

from . import fetch_workers as workers
from . import storage
from .jobs import Job, due_jobs
from .renditions import DEFAULT_MAX_PIXELS, ImageRefused, RenditionSet, make_renditions
from .safehttp import Fetched, FetchError, Policy, fetch


@dataclass
class FetchSummary:
    due: int = 0  # to be fetched or asked again in this run
    total: int = 0  # those and the ones checked recently
    fetched: int = 0
    unchanged: int = 0
    failed: int = 0
    waiting: int = 0  # failed before, to be tried again later
    seconds: float = 0.0

    @property
    def done(self) -> int:
        return self.fetched + self.unchanged + self.failed

    def __str__(self) -> str:
        text = f"{self.fetched} fetched, {self.unchanged} unchanged, {self.failed} failed"
        return text + (f" ({self.waiting} waiting to be tried again)" if self.waiting else "")


@dataclass(frozen=True)
class Options:
    policy: Policy = field(default_factory=Policy)
    max_pixels: int = DEFAULT_MAX_PIXELS
    downloads: int = 8
    per_host: int = 2
    workers: int = 0  # 0: one per core
    recheck_after: dt.timedelta = dt.timedelta(hours=24)
    limit: int | None = None


@dataclass(frozen=True)
class Outcome:
    job: Job
    renditions: RenditionSet | None = None
    source_hash: str = ""
    etag: str = ""
    last_modified: str = ""
    failure: str = ""


FailureHandler = Callable[[Job, str], None]
ProgressHandler = Callable[[FetchSummary], None]


def fetch_images(
    options: Options,
    *,
    on_failure: FailureHandler | None = None,
    on_progress: ProgressHandler | None = None,
) -> FetchSummary:
    started = time.perf_counter()
    plan = due_jobs(timezone.now(), options.recheck_after, options.limit)
    summary = FetchSummary(due=len(plan.jobs), unchanged=plan.recent, waiting=plan.waiting)
    summary.total = summary.due + plan.recent
    for outcome in _outcomes(plan.jobs, options):
        _record(outcome, summary, on_failure)
        if on_progress:
            on_progress(summary)
    summary.seconds = time.perf_counter() - started
    return summary


def _record(outcome: Outcome, summary: FetchSummary, on_failure: FailureHandler | None) -> None:
    job = outcome.job
    try:
        _save(outcome)
    except Exception as error:  # noqa: BLE001 - a storage failing (S3, a full disk), a story gone
        outcome = Outcome(job, failure=f"could not store it: {_line(error)}")
        with contextlib.suppress(DatabaseError):  # the story went: nowhere to keep the failure
            storage.save_failure(job.article_id, job.url, outcome.failure)
    if outcome.failure:
        summary.failed += 1
        if on_failure:
            on_failure(job, outcome.failure)
    elif outcome.renditions is None:
        summary.unchanged += 1
    else:
        summary.fetched += 1


def _save(outcome: Outcome) -> None:
    job = outcome.job
    if outcome.failure:
        storage.save_failure(job.article_id, job.url, outcome.failure)
    elif outcome.renditions is None:
        storage.save_unchanged(
            job.article_id, etag=outcome.etag, last_modified=outcome.last_modified
        )
    else:
        storage.save_fetched(
            job.article_id,
            outcome.renditions,
            source_url=job.url,
            source_hash=outcome.source_hash,
            etag=outcome.etag,
            last_modified=outcome.last_modified,
        )


def _line(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}"[:200] if text else type(error).__name__


def _outcomes(jobs: list[Job], options: Options) -> Iterator[Outcome]:
    """Each job's outcome, as they finish."""
    if not jobs:
        return
    cores = options.workers or os.cpu_count() or 1
    renderer = Renderer(cores, options.max_pixels)
    limits: dict[str, threading.BoundedSemaphore] = {}
    lock = threading.Lock()

    def host_limit(host: str) -> threading.BoundedSemaphore:
        with lock:
            return limits.setdefault(host, threading.BoundedSemaphore(options.per_host))

    def work(job: Job) -> Outcome:
        return _work(job, options, renderer, host_limit(job.host))

    window = max(options.downloads, cores) * 2
    try:
        with cf.ThreadPoolExecutor(options.downloads, thread_name_prefix="fetch") as threads:
            yield from _bounded(threads, work, jobs, window)
    finally:
        renderer.shutdown()


def _bounded(
    threads: cf.Executor, work: Callable[[Job], Outcome], jobs: list[Job], window: int
) -> Iterator[Outcome]:
    """Run ``work`` on every job, at most ``window`` at once; outcomes as they finish."""
    pending = iter(jobs)
    running = {threads.submit(work, job) for job in _take(pending, window)}
    while running:
        done, running = cf.wait(running, return_when=cf.FIRST_COMPLETED)
        running |= {threads.submit(work, job) for job in _take(pending, len(done))}
        for future in done:
            yield future.result()


def _take(iterator: Iterator[Job], count: int) -> list[Job]:
    return [job for _, job in zip(range(count), iterator, strict=False)]


def _work(
    job: Job,
    options: Options,
    renderer: Renderer,
    host_limit: threading.BoundedSemaphore,
) -> Outcome:
    try:
        got, digest, unchanged = _download(job, options.policy, host_limit)
        if unchanged:
            return Outcome(job, etag=got.etag, last_modified=got.last_modified)
        made = renderer.render(got.data)
        return Outcome(job, made, digest, got.etag, got.last_modified)
    except (FetchError, ImageRefused) as error:
        return Outcome(job, failure=str(error))
    except cf.BrokenExecutor:
        return Outcome(job, failure="the rendition process died (out of memory?)")
    except MemoryError:
        return Outcome(job, failure="out of memory making its renditions")
    except Exception as error:  # noqa: BLE001 - one image's surprise must not stop the run
        return Outcome(job, failure=f"unexpected {type(error).__name__}: {error}"[:200])


def _download(
    job: Job, policy: Policy, host_limit: threading.BoundedSemaphore
) -> tuple[Fetched, str, bool]:
    """The response, the hash of its bytes, and whether the copy we hold is current: asked
    conditionally, or the same bytes, and its stored files all there (else, our copy being
    gone, the whole image is fetched again)."""
    with host_limit:
        got = fetch(job.url, policy, etag=job.etag, last_modified=job.last_modified)
    digest = hashlib.sha256(got.data).hexdigest() if got.status == 200 else ""
    if got.status == 304 or (job.source_hash and digest == job.source_hash):
        if storage.files_exist(job.files):
            return got, digest, True
        if got.status == 304:
            with host_limit:
                got = fetch(job.url, policy)
            digest = hashlib.sha256(got.data).hexdigest()
    return got, digest, False


class Renderer:
    """Makes renditions in ``cores`` worker processes (in this process when ``cores`` is 1).
    A worker that dies (killed for its memory, a crash in a codec) costs the images it was
    working on; the next image gets a new pool."""

    def __init__(self, cores: int, max_pixels: int, function: Callable = make_renditions):
        self.cores, self.max_pixels, self.function = cores, max_pixels, function
        self.lock = threading.Lock()
        self.pool = _process_pool(cores) if cores > 1 else None

    def render(self, data: bytes) -> RenditionSet:
        pool = self.pool
        if pool is None:
            return self.function(data, max_pixels=self.max_pixels)
        try:
            return pool.submit(self.function, data, max_pixels=self.max_pixels).result()
        except cf.BrokenExecutor:
            with self.lock:
                if self.pool is pool:
                    pool.shutdown(wait=False, cancel_futures=True)
                    self.pool = _process_pool(self.cores)
            raise

    def shutdown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _process_pool(cores: int) -> cf.ProcessPoolExecutor:
    """Rendition processes started clean (forkserver): they need only Pillow, and inherit no
    database connection. Each is replaced after a while so that memory cannot creep, and ends
    when this process does, however it ends (:mod:`.workers`)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["articles.images.renditions", "articles.images.fetch_workers"])
    return cf.ProcessPoolExecutor(
        cores,
        mp_context=context,
        max_tasks_per_child=500,
        initializer=workers.die_with,
        initargs=(os.getpid(),),
    )
