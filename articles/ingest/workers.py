"""The start of a parser process (:mod:`.parsers`): what it must let go of and when it must
end. Kept apart from the parsers, which import the models: a spawned process runs this
before Django is set up.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from typing import Any

import django
from django.db import connections

# Connections a forked worker inherited: kept referenced so that they are never closed there.
_INHERITED: list[Any] = []
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def start_worker(parent: int, spawned: bool) -> None:
    """A parser process's first step: let go of the parent's database connections and die
    with the parent, however the parent dies (``kill -9`` included)."""
    if spawned:  # a spawned process starts empty: Django first
        django.setup()
    _die_with(parent)
    _forget_inherited_connections()


def _die_with(parent: int) -> None:
    """An orphaned parser would hold its copy of the parent's database socket (PostgreSQL
    keeps the batch's transaction open and its rows locked) and wait forever for work."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
        if armed:
            if os.getppid() != parent:  # the parent died before the signal was armed
                os.kill(os.getpid(), signal.SIGKILL)
            return
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    """Where the kernel cannot be asked to: an orphan gets a new parent process id."""
    while os.getppid() == parent:
        time.sleep(1)
    os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))  # no SIGKILL on Windows


def _forget_inherited_connections() -> None:
    """Make Django forget the connections a forked worker inherited, without a word to the
    server: closing them the usual way would end the parent's session. The worker's copy of
    each socket is replaced by /dev/null (a late goodbye from the driver goes nowhere), so
    only the parent's copy holds the session and it ends when the parent does."""
    for conn in connections.all(initialized_only=True):
        raw = conn.connection
        if raw is None:
            continue
        fileno = getattr(raw, "fileno", None)  # psycopg: the socket; SQLite has no socket
        if conn.vendor != "sqlite" and fileno is not None:
            null = os.open(os.devnull, os.O_RDWR)
            try:
                os.dup2(null, fileno())
            finally:
                os.close(null)
        _INHERITED.append(raw)
        conn.connection = None
        conn.in_atomic_block = False
        conn.savepoint_ids = []
        conn.needs_rollback = False
