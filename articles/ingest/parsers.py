"""Parsing seed files on every core: this process and ``cores - 1`` parser processes.

The parser processes parse the batches ahead while this process writes; when it needs a
batch, this process parses whatever part of it no worker has started, instead of waiting. On
two cores that keeps both busy with two processes rather than three (docs/PERFORMANCE.md).
Each file becomes its database rows (:func:`.rows.story_rows`) there, so the writing process
only looks up ids and writes.
"""

from __future__ import annotations

import datetime as dt
import marshal
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, InvalidStateError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from django.db import connection

from .bulk import time_encoder
from .files import SeedFile
from .records import SeedError
from .rows import StoryRows, story_rows
from .seedfile import parse_seed
from .workers import start_worker

# Files per task: small enough to share a batch out evenly.
CHUNK = 25
# How long a thread of this process may keep the GIL from another during an import (Python's
# default: 5 ms); see Parsers.__enter__.
HANDOFF_SECONDS = 0.0002


class ParserDied(RuntimeError):
    """A parser process ended without answering (killed, out of memory). The batches
    written before stay; the next import goes on from there."""

    def __init__(self) -> None:
        super().__init__("a parser process died (out of memory?)")


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


def parse_many(raws: list[bytes], max_bytes: int, vendor: str) -> list[StoryRows | str]:
    """Parse files for the database ``vendor`` (a parser process's task)."""
    encode_time = time_encoder(vendor)
    return [parse_one(raw, max_bytes, encode_time) for raw in raws]


def parse_packed(raws: list[bytes], max_bytes: int, vendor: str) -> bytes | list[StoryRows | str]:
    """:func:`parse_many` in a worker process, its results packed with ``marshal``: rows are
    plain tuples, text and numbers, which marshal writes and reads back in about half the
    time that pickle (the executor's own transport) takes. It pays: with pickle, the first
    import of 10,000 files took 0.99x parse-only against 0.89x in the same run (2026-12-07,
    ``bench/import_bench.py --against``). For a database whose dates
    travel as datetimes (``bulk.time_encoder``: neither SQLite nor PostgreSQL), which
    marshal cannot write, the results go as they are, by pickle."""
    parsed = parse_many(raws, max_bytes, vendor)
    try:
        return marshal.dumps([row if isinstance(row, str) else tuple(row) for row in parsed])
    except ValueError:  # "unmarshallable object"
        return parsed


def _unpacked(packed: bytes | list[StoryRows | str]) -> list[StoryRows | str]:
    if not isinstance(packed, bytes):
        return packed
    return [row if isinstance(row, str) else StoryRows._make(row) for row in marshal.loads(packed)]


class Chunk:
    """Files handed to the parsers together: a worker parses them, or this process does when
    it needs them before any worker has started on them."""

    __slots__ = ("future", "raws", "max_bytes", "vendor")

    def __init__(self, raws: list[bytes], max_bytes: int, vendor: str) -> None:
        self.future: Future | None = None
        self.raws, self.max_bytes, self.vendor = raws, max_bytes, vendor

    def results(self) -> list[StoryRows | str]:
        if self.future is None:
            results = parse_many(self.raws, self.max_bytes, self.vendor)
        else:
            try:
                results = _unpacked(self.future.result())
            except BrokenProcessPool:
                raise ParserDied() from None
        self.raws = []  # the files' bytes are not needed any more
        return results

    def take_back(self) -> None:
        """Parse here if no worker has started: this process would only wait otherwise."""
        if self.future is not None and self.future.cancel():
            self.future = None


class Parsers:
    """Parse on ``cores`` cores: this process and ``cores - 1`` worker processes."""

    def __init__(self, cores: int) -> None:
        self.cores = cores
        self.pool: Executor | None = None

    def __enter__(self) -> Parsers:
        self.excepthook = threading.excepthook
        self.switch_interval = sys.getswitchinterval()
        if self.cores > 1:
            # Started clean, not forked: a worker inherits none of this process's database
            # connections (ingest/workers.py).
            methods = multiprocessing.get_all_start_methods()
            method = "forkserver" if "forkserver" in methods else "spawn"
            self.pool = ProcessPoolExecutor(
                self.cores - 1,
                mp_context=multiprocessing.get_context(method),
                initializer=start_worker,
                initargs=(os.getpid(),),
            )
            # The executor's threads in this process hand each task to a worker and take
            # each result back. They need the GIL to do it, which this process holds while it
            # parses or builds rows: at Python's default interval they wait up to 5 ms a
            # turn, a few turns a task, while the workers sit idle (docs/PERFORMANCE.md).
            # Set once the pool exists: a pool that cannot start leaves nothing changed.
            sys.setswitchinterval(min(self.switch_interval, HANDOFF_SECONDS))
        threading.excepthook = self._quiet_after_a_crash
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.pool:
                self.pool.shutdown(cancel_futures=True)
        finally:
            threading.excepthook = self.excepthook
            sys.setswitchinterval(self.switch_interval)

    def _quiet_after_a_crash(self, args: threading.ExceptHookArgs) -> None:
        """When a worker dies, Python 3.11's executor thread fails on the tasks this process
        took back (``InvalidStateError``, CPython gh-107219, fixed in 3.12); the import
        reports the death in one line (``ParserDied``), without that thread's traceback."""
        executor_thread = type(args.thread).__name__ == "_ExecutorManagerThread"
        if not (executor_thread and args.exc_type is InvalidStateError):
            self.excepthook(args)

    def submit(self, seeds: list[SeedFile], max_bytes: int) -> list[Chunk]:
        vendor = connection.vendor
        chunks = [
            Chunk([s.raw for s in seeds[i : i + CHUNK]], max_bytes, vendor)
            for i in range(0, len(seeds), CHUNK)
        ]
        if self.pool is not None:
            for chunk in chunks:
                try:
                    chunk.future = self.pool.submit(
                        parse_packed, chunk.raws, chunk.max_bytes, chunk.vendor
                    )
                except BrokenProcessPool:
                    raise ParserDied() from None
        return chunks


def results(chunks: list[Chunk]) -> Iterator[StoryRows | str]:
    """The chunks' results in order, parsing here what no worker has started."""
    for chunk in reversed(chunks):  # the last are the least likely to have started
        chunk.take_back()
    for chunk in chunks:
        yield from chunk.results()
