"""How the importer reads, parses and batches: files read whole up to the cap, parsing on
several cores (tasks taken back, spawned processes, a parser that dies), batch sizes, and
SQLite's page cache during a large import."""

from __future__ import annotations

import datetime as dt
import os
import stat
import sys
import threading
from concurrent.futures import Future

import pytest
from django.db import connection

from articles.ingest.bulk import time_encoder
from articles.ingest.corpus import generate_corpus
from articles.ingest.files import find_seed_files, read_capped
from articles.ingest.parsers import parse_many
from articles.models import Article, ArticleImage, RelatedLink
from tests.helpers.importing import run

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("size", [0, 1, 999, 1000, 1001, 70_000, 200_000])
def test_files_are_read_whole_up_to_one_byte_over_the_cap(tmp_path, size):
    path = tmp_path / "f.txt"
    data = bytes(i % 251 for i in range(size))
    path.write_bytes(data)
    assert read_capped(str(path), 1000) == data[:1001]
    assert read_capped(str(path), 100_000) == data[:100_001]


@pytest.mark.parametrize("reported", [0, 10, 990])
@pytest.mark.parametrize("size", [5, 999, 1000, 1001, 5000])
def test_files_are_read_whole_whatever_size_the_file_system_reports(
    tmp_path, monkeypatch, size, reported
):
    import types

    path = tmp_path / "f.txt"
    path.write_bytes(b"x" * size)  # a file that grew after its size was read, or a FIFO
    regular = types.SimpleNamespace(st_size=reported, st_mode=stat.S_IFREG | 0o644)
    monkeypatch.setattr(os, "fstat", lambda fd: regular)
    assert read_capped(str(path), 1000) == b"x" * min(size, 1001)


@pytest.mark.slow
def test_parallel_parsing_matches_serial(tmp_path):
    list(generate_corpus(tmp_path / "c", 300))
    summary, errors = run(tmp_path / "c", workers=2, batch_size=100)
    assert (summary.created, summary.failed, errors) == (300, 0, [])
    serial = {a.url: (a.title, a.excerpt, a.quality) for a in Article.objects.all()}
    counts = (ArticleImage.objects.count(), RelatedLink.objects.count())
    Article.objects.all().delete()
    run(tmp_path / "c", workers=1)
    assert {a.url: (a.title, a.excerpt, a.quality) for a in Article.objects.all()} == serial
    assert (ArticleImage.objects.count(), RelatedLink.objects.count()) == counts


@pytest.mark.slow
def test_the_importer_parses_what_no_worker_has_started(tmp_path):
    from articles.ingest.files import SeedFile
    from articles.ingest.parsers import Parsers, parse_one, results

    paths = sorted(generate_corpus(tmp_path / "c", 300))
    seeds = [SeedFile(path=str(p), index=i, raw=p.read_bytes()) for i, p in enumerate(paths)]
    with Parsers(2) as parsers:
        chunks = parsers.submit(seeds, 1 << 20)
        assert len(chunks) == 12 and all(chunk.future for chunk in chunks)
        results = list(results(chunks))
    # One worker holds at most two tasks at a time; this process took back others.
    assert any(chunk.future is None for chunk in chunks)
    encode = time_encoder(connection.vendor)
    assert results == [parse_one(seed.raw, 1 << 20, encode) for seed in seeds]


@pytest.mark.slow
def test_parser_processes_start_where_forkserver_is_missing(tmp_path, monkeypatch):
    import multiprocessing

    from articles.ingest.files import SeedFile
    from articles.ingest.parsers import Parsers, parse_one, results

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    paths = sorted(generate_corpus(tmp_path / "c", 30))
    seeds = [SeedFile(path=str(p), index=i, raw=p.read_bytes()) for i, p in enumerate(paths)]
    with Parsers(2) as parsers:
        chunks = parsers.submit(seeds, 1 << 20)
        chunks[0].future.result()  # parsed in the spawned worker
        assert chunks[0].future is not None  # not taken back: it had finished
        parsed = list(results(chunks))
    encode = time_encoder(connection.vendor)
    assert parsed == [parse_one(seed.raw, 1 << 20, encode) for seed in seeds]
    assert all(not isinstance(result, str) for result in parsed)


def test_parsers_hand_over_the_gil_sooner_while_workers_run_and_restore_it():
    from articles.ingest.parsers import HANDOFF_SECONDS, Parsers

    default = sys.getswitchinterval()
    assert default > HANDOFF_SECONDS
    with Parsers(2):
        assert sys.getswitchinterval() == pytest.approx(HANDOFF_SECONDS)
    assert sys.getswitchinterval() == default
    with Parsers(1):  # no workers, nothing to hand over
        assert sys.getswitchinterval() == default


def test_rows_from_a_worker_arrive_as_parsed(tmp_path):
    """A worker's rows cross to this process packed (marshal, not pickle) and come back the
    same named rows, and a file's one-line error the same text."""
    from articles.ingest.parsers import Chunk, parse_many, parse_packed

    paths = sorted(generate_corpus(tmp_path / "c", 20))
    raws = [p.read_bytes() for p in paths] + [b"---\ntitle: [unclosed\n---\n"]
    chunk = Chunk(raws, 1 << 20, connection.vendor)
    chunk.future = Future()
    chunk.future.set_result(parse_packed(raws, 1 << 20, connection.vendor))
    unpacked = chunk.results()
    assert unpacked == parse_many(raws, 1 << 20, connection.vendor)
    assert [type(row).__name__ for row in unpacked] == ["StoryRows"] * 20 + ["str"]
    assert unpacked[0].values == parse_many(raws[:1], 1 << 20, connection.vendor)[0].values


def test_rows_marshal_cannot_write_go_as_they_are(tmp_path):
    """Another database's dates travel as datetimes (bulk.time_encoder), which marshal
    cannot write: those rows cross by pickle, unchanged."""
    from articles.ingest.parsers import Chunk, parse_packed

    paths = sorted(generate_corpus(tmp_path / "c", 5))
    raws = [p.read_bytes() for p in paths]
    packed = parse_packed(raws, 1 << 20, "another")
    assert isinstance(packed, list)
    assert any(isinstance(row.published_at, dt.datetime) for row in packed)
    chunk = Chunk(raws, 1 << 20, "another")
    chunk.future = Future()
    chunk.future.set_result(packed)
    assert chunk.results() == parse_many(raws, 1 << 20, "another")
    assert isinstance(parse_packed(raws, 1 << 20, connection.vendor), bytes)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's page cache")
def test_sqlite_keeps_more_pages_in_memory_during_a_large_import_only(tmp_path):
    from articles.ingest.importer import IMPORT_PAGE_CACHE_KIB

    def cache_size() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    before = cache_size()
    during = []
    list(generate_corpus(tmp_path / "c", 3))
    run(tmp_path / "c", batch_size=1, on_progress=lambda summary: during.append(cache_size()))
    assert during and set(during) == {IMPORT_PAGE_CACHE_KIB} != {before}
    assert cache_size() == before
    during.clear()  # an import of one batch leaves the connection as it is
    run(tmp_path / "c", on_progress=lambda summary: during.append(cache_size()))
    assert set(during) == {before}


MEMORY_MAP_DURING_AN_IMPORT = """
import json, os, sys
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from articles.ingest.corpus import generate_corpus
from articles.ingest.importer import import_seeds

def pragma(name):
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]

call_command("migrate", verbosity=0)
from pathlib import Path
list(generate_corpus(Path(sys.argv[1]), 3))
seen = {"before": pragma("mmap_size"), "during": set()}
import_seeds([sys.argv[1]], batch_size=1, workers=1,
             on_progress=lambda summary: seen["during"].add(pragma("mmap_size")))
print(json.dumps([seen["before"], sorted(seen["during"]), pragma("mmap_size")]))
"""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's memory map")
@pytest.mark.slow
def test_a_large_import_reads_sqlite_without_the_memory_map_and_puts_it_back(tmp_path):
    """Through the map, every page the import touched stayed resident in its process: 560 MB
    at 100,000 stories. The tests' database is in memory, without a map: a file, here."""
    import json
    import subprocess

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env["DJANGO_SETTINGS_MODULE"] = "newsroom.settings"
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_MAP_DURING_AN_IMPORT, str(tmp_path / "c")],
        env=env, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    before, during, after = json.loads(done.stdout.strip().splitlines()[-1])
    assert before == after > 0
    assert during == [0]


def _dies_in_a_worker(raws, max_bytes, vendor):
    """A parser process's task that ends its process (it runs from this module, imported
    afresh there: parser processes start clean)."""
    import multiprocessing

    from articles.ingest.parsers import parse_packed

    if multiprocessing.parent_process() is not None:
        os._exit(3)  # as the kernel's out-of-memory killer would end it
    return parse_packed(raws, max_bytes, vendor)


def test_a_parser_process_that_dies_stops_the_import_with_one_line(tmp_path, monkeypatch):
    from django.core.management import CommandError, call_command

    import articles.ingest.parsers as parsers_module

    monkeypatch.setattr(parsers_module, "parse_packed", _dies_in_a_worker)
    thread_errors = []  # the executor's own thread says nothing more
    monkeypatch.setattr(threading, "excepthook", thread_errors.append)
    list(generate_corpus(tmp_path / "c", 400))
    with pytest.raises(CommandError) as error:
        call_command("import_seeds", str(tmp_path / "c"), "--workers", "2", verbosity=0)
    assert thread_errors == []
    assert error.value.returncode == 1
    assert str(error.value) == (
        "import stopped: a parser process died (out of memory?); the stories written so far "
        "are kept, run the import again to go on"
    )


def test_a_dead_parser_leaves_no_trace_of_the_tasks_taken_back(tmp_path, monkeypatch):
    import articles.ingest.parsers as parsers_module
    from articles.ingest.files import SeedFile

    monkeypatch.setattr(parsers_module, "parse_packed", _dies_in_a_worker)
    thread_errors = []
    monkeypatch.setattr(threading, "excepthook", thread_errors.append)
    paths = sorted(generate_corpus(tmp_path / "c", 300))
    seeds = [SeedFile(path=str(p), index=i, raw=p.read_bytes()) for i, p in enumerate(paths)]
    with pytest.raises(parsers_module.ParserDied), parsers_module.Parsers(2) as parsers:
        chunks = parsers.submit(seeds, 1 << 20)
        for chunk in reversed(chunks):  # taken back before the worker dies
            chunk.take_back()
        list(parsers_module.results(chunks))
    assert any(chunk.future is None for chunk in chunks)
    assert thread_errors == []


def test_find_seed_files_is_recursive_sorted_and_skips_hidden(tmp_path):
    for name in ["b/2.md", "a/1.txt", "a/skip.json", ".git/x.txt", "c/.hidden.txt", "0.txt"]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    found = find_seed_files([tmp_path, tmp_path / "0.txt"])
    assert [p.removeprefix(str(tmp_path.resolve())) for p in found] == [
        "/0.txt",
        "/a/1.txt",
        "/b/2.md",
    ]


@pytest.mark.parametrize(
    ("count", "size"),
    [(0, 2000), (1, 2000), (2000, 2000), (2001, 2000), (10_000, 2000), (100_000, 2000), (7, 2)],
)
def test_batches_cover_every_file_once_starting_and_ending_small(count, size):
    from articles.ingest.importer import _batches

    batches = list(_batches(count, size))
    assert [i for start, stop in batches for i in range(start, stop)] == list(range(count))
    assert all(0 < stop - start <= size for start, stop in batches)
    if count > size:
        assert batches[0][1] <= max(1, size // 8)  # writing starts early
        assert batches[-1][1] - batches[-1][0] <= max(1, size // 8)  # and the last is short
        if count >= 4 * size:  # most files go in full batches
            assert max(stop - start for start, stop in batches) == size
        if count >= 4 * size and size >= 64:  # and end shrinking by a third, not a half
            last = [stop - start for start, stop in batches[-5:]]
            assert all(1.4 <= a / b <= 1.6 for a, b in zip(last, last[1:], strict=False))
    else:
        assert len(batches) == (1 if count else 0)
