"""Import seed files into the database: find, fingerprint, parse in parallel, upsert in batches.

The pipeline for each batch of files (in path order):

1. read each file (at most ``max_bytes`` + 1 bytes) and fingerprint it (:mod:`.files`);
2. skip the files whose fingerprint an article already carries (unchanged; no parsing);
3. parse the rest into database rows (:mod:`.seedfile`, then :mod:`.rows`) on every core
   (:mod:`.parsers`), the next batches parsing while this one is written;
4. write the batch in one transaction (:mod:`.writer`): new stories, changed stories' source
   fields, and their topics, images and related links. Editorial fields of existing stories
   are never written.

A file that cannot be imported is reported through ``on_error`` and changes nothing. Two files
with the same identity are one story: the later one in path order wins.
"""

from __future__ import annotations

import gc
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection
from django.utils import timezone

from articles.models import Article
from articles.search import index as search_index

from .bulk import select_in
from .files import FoundFiles, SeedFile, UsageError, find_seed_files, read_seed, shown_path
from .parsers import Chunk, Parsers, results
from .rows import StoryRows
from .seedfile import DEFAULT_MAX_BYTES
from .writer import ImportSummary, RunState, write_batch

# Files per transaction: bigger batches cost fewer round trips and commits.
BATCH_SIZE = 2000
# Batches read and handed to the workers ahead of the one being written.
AHEAD = 2
# SQLite's page cache during an import, in KiB as PRAGMA cache_size takes it (negative).
IMPORT_PAGE_CACHE_KIB = -32 * 1024
# Below this many files to parse, worker processes cost more than they save.
MIN_FILES_FOR_WORKERS = 200
# Stories written, from which an import brings PostgreSQL's planner statistics up to date.
ANALYZE_AFTER = 1000

ErrorHandler = Callable[[str, str], None]
ProgressHandler = Callable[[ImportSummary], None]
Reporter = Callable[[SeedFile, str], None]


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
    if not dry_run:  # a dry run writes nothing, so pauses no trigger
        _check_search_index()
    files = find_seed_files(paths)
    summary = ImportSummary(files=len(files))
    state = RunState(order={path: i for i, path in enumerate(files)}, now=timezone.now())
    report_error = on_error or (lambda path, reason: None)
    cores = workers if workers is not None else (os.cpu_count() or 1)

    def fail(seed: SeedFile, reason: str) -> None:
        summary.failed += 1
        report_error(shown_path(seed.path), reason)

    def warn(seed: SeedFile, warning: str) -> None:  # the file is imported all the same
        report_error(shown_path(seed.path), warning)

    def finish(seeds: list[SeedFile], chunks: list[Chunk]) -> None:
        _finish(seeds, chunks, summary, state, dry_run, (fail, warn))
        if on_progress:
            on_progress(summary)

    pending: deque[tuple[list[SeedFile], list[Chunk]]] = deque()
    with (
        _fewer_gc_passes(),
        _sqlite_import_memory(len(files) > batch_size),
        Parsers(cores if len(files) >= MIN_FILES_FOR_WORKERS else 1) as parsers,
    ):
        for start, stop in _batches(len(files), batch_size):
            todo = _changed(files, start, stop, max_bytes, summary, fail)
            pending.append((todo, parsers.submit(todo, max_bytes)))
            # Keep the workers busy while this process writes: the next batches are already
            # read and parsing when a write ends.
            while len(pending) > AHEAD:
                finish(*pending.popleft())
        while pending:
            finish(*pending.popleft())
    if not dry_run:
        _refresh_statistics(summary)
    summary.seconds = time.perf_counter() - started
    return summary


def _refresh_statistics(summary: ImportSummary) -> None:
    """PostgreSQL plans each query by its statistics of the tables, which autovacuum brings
    up to date a while after a large change (a minute, or more). Until then a newsroom's
    first import is searched as if its tables were as ``migrate`` left them, empty: a name
    took 370 ms, not 15 (docs/PERFORMANCE.md). An import that wrote many stories updates
    them itself: ANALYZE samples each table, about a second at 100,000 stories. (SQLite
    plans without statistics here: the site never gathers them.)"""
    if connection.vendor == "postgresql" and summary.created + summary.updated >= ANALYZE_AFTER:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _check_search_index() -> None:
    """The writer indexes each batch for search itself, pausing the index's triggers: after a
    failed or partial ``migrate`` they may be missing, and the import must say so at once,
    not fail at its first batch (check ``articles.W002`` says the same)."""
    if absent := search_index.missing(connection):
        raise UsageError(
            f"the search index lacks {', '.join(absent)}: run `python manage.py migrate` first"
        )


def _changed(
    files: FoundFiles,
    start: int,
    stop: int,
    max_bytes: int,
    summary: ImportSummary,
    fail: Callable[[SeedFile, str], None],
) -> list[SeedFile]:
    """Read one batch of files: those to parse. Unreadable ones fail; unchanged ones (their
    fingerprint is a story's already) are counted and go no further."""
    refused = files.refused
    batch = [
        SeedFile(path, start + i, error=refused[path])
        if path in refused
        else read_seed(path, start + i, max_bytes)
        for i, path in enumerate(files[start:stop])
    ]
    readable = []
    for seed in batch:
        if seed.error:
            fail(seed, seed.error)
        else:
            readable.append(seed)
    known = _known_hashes([seed.hash for seed in readable])
    todo = [seed for seed in readable if seed.hash not in known]
    summary.unchanged += len(readable) - len(todo)
    return todo


def _batches(count: int, size: int) -> Iterator[tuple[int, int]]:
    """(start, stop) of each batch. An import of more than one batch starts small, so that
    writing starts while the workers parse the rest, and doubles up to ``size`` (fewer,
    larger transactions). It ends small too, so that the workers are not left idle while
    this process writes the last batches, but shrinking by a third a batch, not a half:
    the workers parse a batch in about the time this process writes one half as large
    again, so halving let them run ahead and finish while the last three batches were
    still to be written (docs/PERFORMANCE.md)."""
    if count <= size:
        yield from [(0, count)] if count else []
        return
    head: list[int] = []
    tail: list[int] = []
    steps, left = [size / 8, size / 8], count
    while left:
        for i, (side, growth) in enumerate(((head, 2), (tail, 1.5))):
            take = min(max(1, int(steps[i])), left)
            if take:
                side.append(take)
                left -= take
            steps[i] = min(steps[i] * growth, size)
    start = 0
    for length in head + tail[::-1]:
        yield start, start + length
        start += length


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """Parsing allocates millions of small objects and no cycles: with the default
    thresholds the cycle collector runs thousands of times for nothing. Collect less often
    during the import, as before afterwards."""
    thresholds = gc.get_threshold()
    gc.freeze()  # what exists before the import (Django, settings) is never garbage
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@contextmanager
def _sqlite_import_memory(wanted: bool) -> Iterator[None]:
    """How a large import holds the SQLite database in memory, the connection's own settings
    back afterwards (an import of one batch gains nothing and keeps them):

    - a page cache of 32 MB, not 2 MB: the import inserts at random places in a dozen
      indexes (addresses, fingerprints), which soon outgrow 2 MB (docs/PERFORMANCE.md has
      what 32 MB saves);
    - no memory map: reading through the map (``settings``: for readers, shared through the
      OS's page cache) leaves every page the import touched resident in its process, which
      counted 560 MB against the importer at 100,000 stories, for no gain in speed."""
    if not wanted or connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (cache_size,) = cursor.fetchone()
        cursor.execute("PRAGMA mmap_size")
        (mmap_size,) = cursor.fetchone() or (None,)
        cursor.execute(f"PRAGMA cache_size = {IMPORT_PAGE_CACHE_KIB}")
        cursor.execute("PRAGMA mmap_size = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
            if mmap_size is not None:
                cursor.execute(f"PRAGMA mmap_size = {int(mmap_size)}")


def _known_hashes(hashes: list[str]) -> set[str]:
    if not hashes:
        return set()
    return {key for (key,) in select_in(Article, "content_hash", hashes, "content_hash")}


def _finish(
    seeds: list[SeedFile],
    chunks: list[Chunk],
    summary: ImportSummary,
    state: RunState,
    dry_run: bool,
    report: tuple[Reporter, Reporter],
) -> None:
    fail, warn = report
    parsed: list[tuple[SeedFile, StoryRows]] = []
    for seed, result in zip(seeds, results(chunks), strict=True):
        seed.raw = b""  # release the bytes as soon as they are parsed
        if isinstance(result, str):
            fail(seed, result)
            continue
        for warning in result.warnings:
            warn(seed, warning)
        parsed.append((seed, result))
    if parsed:
        write_batch(parsed, summary, state, dry_run)
