"""``kill -9`` of ``import_seeds`` leaves no parser process behind, and no transaction open.

A parser process once was a forked copy of the command, with its database socket: an orphan
kept the command's PostgreSQL transaction open (its rows locked, a rerun hanging) and, on
either database, waited forever for work. Parsers now start clean (forkserver) and end with
the command. Here only the command is killed, not its process group,
and the group must be empty soon after.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from articles.ingest.corpus import generate_corpus
from articles.ingest.parsers import Parsers
from tests.helpers.databases import ROOT
from tests.ingest.test_crash import database, rerun_import, start_import

FILES = 4000
KILL_AFTER = 250  # the first batch has committed: the parsers are busy with the next ones
IDLE_IN_TRANSACTION = (
    "SELECT COUNT(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND state LIKE 'idle in transaction%'"
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the process table from /proc"
)


def live_members(group: int) -> list[int]:
    """Processes of the process group that are not zombies (a zombie holds nothing)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        state, _ppid, pgrp = stat.rpartition(")")[2].split()[:3]
        if int(pgrp) == group and state != "Z":
            members.append(int(entry.name))
    return members


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
@pytest.mark.slow
def test_killing_the_command_ends_its_parsers_and_its_transaction(tmp_path, kind):
    corpus = tmp_path / "corpus"
    list(generate_corpus(corpus, FILES, seed=7))
    with database(kind, tmp_path) as (url, query):
        run = start_import(corpus, url)
        group = run.pid
        try:
            assert wait_until(
                lambda: (
                    run.poll() is not None
                    or query("SELECT COUNT(*) FROM articles_article")[0][0] >= KILL_AFTER
                ),
                120,
            )
            assert run.poll() is None, "the import finished before it could be killed"
            assert len(live_members(group)) > 1, "no parser process was started"
            os.kill(run.pid, signal.SIGKILL)  # the command only, not its parsers
            run.wait(timeout=30)
            left = wait_until(lambda: not live_members(group), 10)
            assert left, f"parser processes outlived the command: {live_members(group)}"
            if kind == "postgresql":
                assert wait_until(lambda: query(IDLE_IN_TRANSACTION)[0][0] == 0, 10), (
                    "a session of the killed import is still idle in transaction"
                )
        finally:
            for pid in live_members(group):
                os.kill(pid, signal.SIGKILL)
            if run.poll() is None:
                run.kill()
                run.wait(timeout=30)

        rerun = rerun_import(corpus, url)
        assert rerun.returncode == 0, rerun.stderr
        assert "0 failed" in rerun.stdout
        assert query("SELECT COUNT(*) FROM articles_article")[0][0] == FILES


def what_the_worker_holds() -> tuple[bool, bool, set[str]]:
    from django.db import connection

    held = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            held.add(os.readlink(f"/proc/self/fd/{fd}"))
    return connection.connection is None, connection.in_atomic_block, held


@pytest.mark.django_db
def test_a_parser_process_holds_nothing_of_the_parents_connection():
    """Parser processes start clean (forkserver): none inherits the parent's database
    connection, so none can end its session or hold its transaction."""
    with connection.cursor() as cursor:  # the parent is inside a transaction (the test's)
        cursor.execute("SELECT 1")
    socket = connection.connection.fileno() if connection.vendor == "postgresql" else None
    ours = os.readlink(f"/proc/self/fd/{socket}") if socket is not None else None
    with Parsers(2) as parsers:
        assert parsers.pool is not None
        unset, in_transaction, held = parsers.pool.submit(what_the_worker_holds).result()
    assert (unset, in_transaction) == (True, False)
    if ours is not None:
        assert ours.startswith("socket:") and ours not in held
    with connection.cursor() as cursor:  # and the parent's session goes on
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


FALLBACK = """
import os, sys, threading, time
from articles.ingest.workers import _watch_parent
child = os.fork()
if child == 0:  # the parser: watching its parent as it does where prctl is missing
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    time.sleep(60)
    sys.exit(0)
time.sleep(0.5)
os.kill(os.getpid(), 9)  # the command dies, however
"""


@pytest.mark.slow
def test_where_the_kernel_cannot_be_asked_a_parser_watches_its_parent():
    run = subprocess.Popen([sys.executable, "-c", FALLBACK], cwd=ROOT, start_new_session=True)
    try:
        run.wait(timeout=30)
        assert wait_until(lambda: not live_members(run.pid), 10), "the parser outlived it"
    finally:
        for pid in live_members(run.pid):
            os.kill(pid, signal.SIGKILL)
