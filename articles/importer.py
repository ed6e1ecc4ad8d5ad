"""Import seed files into the database: find, fingerprint, parse in parallel, upsert in batches.

The pipeline for each batch of files (in path order):

1. read each file (at most ``max_bytes`` + 1 bytes) and fingerprint it;
2. skip the files whose fingerprint an article already carries (unchanged; no parsing);
3. parse the rest into database rows (:mod:`articles.seeds`, then
   :func:`articles.upsert.story_rows`) in worker processes, the next batches parsing while
   this one is written; this process parses whatever part of a batch no worker has started
   when it needs it;
4. write the batch in one transaction (:mod:`articles.upsert`): new stories, changed stories'
   source fields, and their topics, images and related links. Editorial fields of existing
   stories are never written.

A file that cannot be imported is reported through ``on_error`` and changes nothing. Two files
with the same identity are one story: the later one in path order wins.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, InvalidStateError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import django
from django.db import connection
from django.utils import timezone

from .bulk import select_in, time_encoder
from .models import Article
from .seeds import DEFAULT_MAX_BYTES, SeedError, content_hash, parse_seed
from .upsert import ImportSummary, RunState, SeedFile, StoryRows, story_rows, write_batch

SEED_SUFFIXES = (".txt", ".md")
BATCH_SIZE = 2000  # files per transaction: bigger batches cost fewer round trips and commits
# Batches read and handed to the workers ahead of the one being written.
AHEAD = 2
# SQLite's page cache during an import, in KiB as PRAGMA cache_size takes it (negative).
IMPORT_PAGE_CACHE_KIB = -32 * 1024
# Below this many files to parse, worker processes cost more than they save.
MIN_FILES_FOR_WORKERS = 200

ErrorHandler = Callable[[str, str], None]
ProgressHandler = Callable[[ImportSummary], None]


class UsageError(ValueError):
    """The import was asked for something that cannot be done (e.g. a missing path)."""


class ParserDied(RuntimeError):
    """A parser process ended without answering (killed, out of memory). The batches
    written before stay; the next import goes on from there."""

    def __init__(self) -> None:
        super().__init__("a parser process died (out of memory?)")


def find_seed_files(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Seed files under the given files and folders, in path order, each once.

    Folders are searched recursively for ``*.txt`` and ``*.md``, skipping hidden entries.
    """
    found: list[str] = []
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            candidates = sorted(_walk(path))
        elif path.is_file():
            candidates = [str(path.resolve())]
        else:
            raise UsageError(f"{given}: no such file or folder")
        for candidate in candidates:
            if candidate not in seen:
                seen.add(candidate)
                found.append(candidate)
    return found


def _walk(root: Path) -> Iterator[str]:
    for folder, dirs, files in os.walk(root.resolve(), followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.endswith(SEED_SUFFIXES) and not name.startswith("."):
                yield os.path.join(folder, name)


def import_seeds(
    paths: Sequence[str | os.PathLike[str]],
    *,
    dry_run: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    workers: int | None = None,
    batch_size: int = BATCH_SIZE,
    on_error: ErrorHandler | None = None,
    on_progress: ProgressHandler | None = None,
) -> ImportSummary:
    """Import every seed file under ``paths``; see the module docstring for the rules.

    ``workers`` is the number of cores to parse on: this process and ``workers - 1`` parser
    processes (default: every core).
    """
    started = time.perf_counter()
    files = find_seed_files(paths)
    summary = ImportSummary(files=len(files))
    state = RunState(order={path: i for i, path in enumerate(files)}, now=timezone.now())
    report_error = on_error or (lambda path, reason: None)
    workers = workers if workers is not None else (os.cpu_count() or 1)

    def fail(seed: SeedFile, reason: str) -> None:
        summary.failed += 1
        report_error(seed.path, reason)

    pending: deque[tuple[list[SeedFile], list[_Chunk]]] = deque()
    with (
        _fewer_gc_passes(),
        _larger_page_cache(len(files) > batch_size),
        _Parsers(workers if len(files) >= MIN_FILES_FOR_WORKERS else 1) as parsers,
    ):
        for start, stop in _batches(len(files), batch_size):
            batch = [_read(path, start + i, max_bytes) for i, path in enumerate(files[start:stop])]
            for seed in batch:
                if seed.error:
                    fail(seed, seed.error)
            known = _known_hashes([s.hash for s in batch if not s.error])
            todo: list[SeedFile] = []
            for seed in batch:
                if seed.error:
                    continue
                if seed.hash in known:
                    summary.unchanged += 1
                else:
                    todo.append(seed)
            pending.append((todo, parsers.submit(todo, max_bytes)))
            # Keep the workers busy while this process writes: the next batches are already
            # read and parsing when a write ends.
            while len(pending) > AHEAD:
                _finish(*pending.popleft(), summary, state, dry_run, fail)
                if on_progress:
                    on_progress(summary)
        while pending:
            _finish(*pending.popleft(), summary, state, dry_run, fail)
            if on_progress:
                on_progress(summary)
    summary.seconds = time.perf_counter() - started
    return summary


def _batches(count: int, size: int) -> Iterator[tuple[int, int]]:
    """(start, stop) of each batch. An import of more than one batch starts small, so that
    writing starts while the workers parse the rest, doubles up to ``size`` (fewer, larger
    transactions), and ends small the same way, so that the workers are not left idle while
    one last big batch is written."""
    if count <= size:
        yield from [(0, count)] if count else []
        return
    head: list[int] = []
    tail: list[int] = []
    step, left = max(1, size // 8), count
    while left:
        for side in (head, tail):
            take = min(step, left)
            if take:
                side.append(take)
                left -= take
        step = min(step * 2, size)
    start = 0
    for length in head + tail[::-1]:
        yield start, start + length
        start += length


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """Parsing allocates millions of small objects and no cycles: with the default
    thresholds the cycle collector runs thousands of times for nothing (about 15% of the
    importer's time). Collect less often during the import, as before afterwards."""
    thresholds = gc.get_threshold()
    gc.freeze()  # what exists before the import (Django, settings) is never garbage
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@contextmanager
def _larger_page_cache(wanted: bool) -> Iterator[None]:
    """SQLite keeps 2 MB of the database in memory per connection by default. A large
    import inserts at random places in a dozen indexes (addresses, fingerprints), which soon
    outgrow that: with 32 MB, 100,000 files import in 52 s instead of 65 s (peak memory
    +31 MB). An import of one batch gains nothing. The connection gets its own size back
    afterwards."""
    if not wanted or connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {IMPORT_PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _read(path: str, index: int, max_bytes: int) -> SeedFile:
    seed = SeedFile(path=path, index=index)
    try:
        raw = read_capped(path, max_bytes)
    except OSError as exc:
        seed.error = f"cannot read: {exc.strerror or exc}"
        return seed
    if len(raw) > max_bytes:
        seed.error = f"file is over the {max_bytes:,}-byte limit (see --max-bytes)"
        return seed
    seed.raw = raw
    seed.hash = content_hash(raw)
    return seed


def read_capped(path: str, max_bytes: int) -> bytes:
    """The file's bytes, reading at most ``max_bytes`` + 1 (one more tells a file over the cap).

    Sized by the file, not by the cap: ``open().read(cap)`` allocates the whole cap (1 MiB)
    for every 2 KB file, which cost six times the read itself. Reads on to the end, whatever
    the size said (a file that grew, a file system that reports 0).
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        chunks: list[bytes] = []
        total, want = 0, min(os.fstat(fd).st_size, max_bytes) + 1
        while total <= max_bytes and (chunk := os.read(fd, want)):
            chunks.append(chunk)
            total += len(chunk)
            want = min(1 << 16, max_bytes + 1 - total)
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _known_hashes(hashes: list[str]) -> set[str]:
    if not hashes:
        return set()
    return {key for (key,) in select_in(Article, "content_hash", hashes, "content_hash")}


def parse_one(
    raw: bytes, max_bytes: int, encode_time: Callable[[dt.datetime], Any]
) -> StoryRows | str:
    """Parse one file: the story's rows, dates written by ``encode_time``
    (``bulk.time_encoder``), or the one-line reason the file cannot be imported."""
    try:
        return story_rows(parse_seed(raw, max_bytes=max_bytes), encode_time)
    except SeedError as exc:
        return str(exc)
    except Exception as exc:  # a parser bug must not stop the other files
        return f"cannot parse: {type(exc).__name__}: {exc}"


def _parse_many(raws: list[bytes], max_bytes: int, vendor: str) -> list[StoryRows | str]:
    encode_time = time_encoder(vendor)
    return [parse_one(raw, max_bytes, encode_time) for raw in raws]


class _Chunk:
    """Files handed to the parsers together: a worker parses them, or this process does when
    it needs them before any worker has started on them."""

    __slots__ = ("future", "raws", "max_bytes", "vendor")

    def __init__(self, raws: list[bytes], max_bytes: int, vendor: str) -> None:
        self.future: Future | None = None
        self.raws, self.max_bytes, self.vendor = raws, max_bytes, vendor

    def results(self) -> list[StoryRows | str]:
        if self.future is None:
            results = _parse_many(self.raws, self.max_bytes, self.vendor)
        else:
            try:
                results = self.future.result()
            except BrokenProcessPool:
                raise ParserDied() from None
        self.raws = []  # the files' bytes are not needed any more
        return results

    def take_back(self) -> None:
        """Parse here if no worker has started: this process would only wait otherwise."""
        if self.future is not None and self.future.cancel():
            self.future = None


class _Parsers:
    """Parse on ``cores`` cores: this process and ``cores - 1`` worker processes.

    The workers parse the batches ahead while this process writes; when it needs a batch,
    this process parses whatever part of it no worker has started, instead of waiting. On
    two cores that keeps both busy with two processes rather than three (5-10% less time).
    """

    CHUNK = 25  # files per task: small enough to share a batch out evenly

    def __init__(self, cores: int) -> None:
        self.cores = cores
        self.pool: Executor | None = None

    def __enter__(self) -> _Parsers:
        self.excepthook = threading.excepthook
        threading.excepthook = self._quiet_after_a_crash
        if self.cores > 1:
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            self.pool = ProcessPoolExecutor(
                self.cores - 1,
                mp_context=multiprocessing.get_context(method),
                # A spawned process starts empty: Django first, then this module's tasks.
                initializer=django.setup if method == "spawn" else None,
            )
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.pool:
                self.pool.shutdown(cancel_futures=True)
        finally:
            threading.excepthook = self.excepthook

    def _quiet_after_a_crash(self, args: threading.ExceptHookArgs) -> None:
        """When a worker dies, Python 3.11's executor thread fails on the tasks this process
        took back (``InvalidStateError``, CPython gh-107219, fixed in 3.12); the import
        reports the death in one line (``ParserDied``), without that thread's traceback."""
        executor_thread = type(args.thread).__name__ == "_ExecutorManagerThread"
        if not (executor_thread and args.exc_type is InvalidStateError):
            self.excepthook(args)

    def submit(self, seeds: list[SeedFile], max_bytes: int) -> list[_Chunk]:
        vendor = connection.vendor
        chunks = [
            _Chunk([s.raw for s in seeds[i : i + self.CHUNK]], max_bytes, vendor)
            for i in range(0, len(seeds), self.CHUNK)
        ]
        if self.pool is not None:
            for chunk in chunks:
                try:
                    chunk.future = self.pool.submit(
                        _parse_many, chunk.raws, chunk.max_bytes, chunk.vendor
                    )
                except BrokenProcessPool:
                    raise ParserDied() from None
        return chunks


def _results(chunks: list[_Chunk]) -> Iterator[StoryRows | str]:
    for chunk in reversed(chunks):  # the last are the least likely to have started
        chunk.take_back()
    for chunk in chunks:
        yield from chunk.results()


def _finish(
    seeds: list[SeedFile],
    results: list[_Chunk],
    summary: ImportSummary,
    state: RunState,
    dry_run: bool,
    fail: Callable[[SeedFile, str], None],
) -> None:
    parsed: list[tuple[SeedFile, StoryRows]] = []
    for seed, result in zip(seeds, _results(results), strict=True):
        seed.raw = b""  # release the bytes as soon as they are parsed
        if isinstance(result, str):
            fail(seed, result)
        else:
            parsed.append((seed, result))
    if parsed:
        write_batch(parsed, summary, state, dry_run)
