"""An import killed with SIGKILL halfway leaves a consistent database; a rerun finishes the job.

For real: ``manage.py import_seeds`` runs in a subprocess against a file SQLite database and
against a PostgreSQL database, and is killed (its whole process group, parsers included) once
some batches have committed. Every article then in the database must be complete: its row is
the one its file describes, with all of that file's topics, images and related links.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from articles.ingest.corpus import generate_corpus
from articles.ingest.seedfile import content_hash, parse_seed
from articles.models import term_slug
from tests.helpers.databases import MANAGE, ROOT, migrate, postgres_database, project_env

FILES = 4000
# Stories committed before the kill. Batches start small (250, 500, 1,000 files of 4,000:
# importer._batches), so at 1,000 the first three have committed and the run is mid-way.
KILL_AFTER = 1000
ARTICLES = """
SELECT a.source_path, a.content_hash,
  (SELECT COUNT(*) FROM articles_articletopic t WHERE t.article_id = a.id),
  (SELECT COUNT(*) FROM articles_articleimage i WHERE i.article_id = a.id),
  (SELECT COUNT(*) FROM articles_relatedlink r WHERE r.article_id = a.id)
FROM articles_article a
"""

Query = Callable[[str], list[tuple]]


@contextmanager
def database(kind: str, tmp_path: Path) -> Iterator[tuple[str, Query]]:
    """A migrated database of ``kind`` for the subprocess; yields its URL and a query function."""
    if kind == "sqlite":
        path = tmp_path / "crash.sqlite3"
        url = f"sqlite:///{path}"
        migrate(url)

        def query(sql: str) -> list[tuple]:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as conn:
                return conn.execute(sql).fetchall()

        yield url, query
    else:
        with postgres_database("ops_crash") as url:
            migrate(url)

            def query(sql: str) -> list[tuple]:
                with psycopg.connect(url, autocommit=True) as conn:
                    return conn.execute(sql).fetchall()

            yield url, query


def expected_counts(path: str) -> tuple[str, int, int, int]:
    raw = Path(path).read_bytes()
    record = parse_seed(raw)
    topics = {term_slug(name) for name in record.topics}
    return content_hash(raw), len(topics), len(record.images), len(record.related)


def assert_every_article_complete(query: Query) -> int:
    rows = query(ARTICLES)
    for source_path, digest, topics, images, related in rows:
        assert (digest, topics, images, related) == expected_counts(source_path), source_path
    return len(rows)


def import_command(corpus: Path) -> list[str]:
    return [*MANAGE, "import_seeds", str(corpus), "--workers", "2"]


def start_import(corpus: Path, url: str) -> subprocess.Popen:
    """The real command, silent, in a process group of its own with its parser processes."""
    return subprocess.Popen(
        import_command(corpus),
        env=project_env(url),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def rerun_import(corpus: Path, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        import_command(corpus),
        env=project_env(url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
@pytest.mark.slow
def test_an_import_killed_halfway_leaves_whole_articles_and_a_rerun_finishes(tmp_path, kind):
    corpus = tmp_path / "corpus"
    list(generate_corpus(corpus, FILES, seed=5))
    with database(kind, tmp_path) as (url, query):
        run = start_import(corpus, url)  # killed with its group: the parsers die with it
        try:
            deadline = time.monotonic() + 120
            count = 0
            while count < KILL_AFTER:
                assert run.poll() is None, (
                    f"the import finished before it could be killed ({count})"
                )
                assert time.monotonic() < deadline, "the import never committed 1,000 stories"
                time.sleep(0.01)
                count = query("SELECT COUNT(*) FROM articles_article")[0][0]
            os.killpg(run.pid, signal.SIGKILL)
        finally:
            if run.poll() is None:
                os.killpg(run.pid, signal.SIGKILL)
            run.wait(timeout=30)
        assert run.returncode == -signal.SIGKILL

        survived = assert_every_article_complete(query)
        assert KILL_AFTER <= survived < FILES

        rerun = rerun_import(corpus, url)
        assert rerun.returncode == 0, rerun.stderr
        assert f"{FILES - survived} created, 0 updated, {survived} unchanged" in rerun.stdout
        assert "0 failed" in rerun.stdout
        assert assert_every_article_complete(query) == FILES
