"""The start of a parser process (:mod:`.parsers`): Django set up, and an end with the
command that started it. Kept apart from the parsers, which import the models: the process
runs this before Django is set up.

Parser processes start clean (``forkserver``, else ``spawn``), as the image fetcher's do: they
inherit no database connection, so there is nothing of the parent's to let go of.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

import django
from django.apps import apps

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
CHECK_EVERY = 0.5  # seconds between two looks for the command's process


def start_worker(parent: int) -> None:
    """A parser process's first step: die with the parent, however the parent dies
    (``kill -9`` included), and set Django up (the process starts empty)."""
    _die_with(parent)
    if not apps.ready:
        django.setup()


def _die_with(parent: int) -> None:
    """An orphaned parser would wait forever for work: it watches the command's process and
    ends when it is gone. (Its own parent is the forkserver, which lives while any parser
    does; where the kernel can be asked, a parser also dies with that parent.)"""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if not _alive(parent):  # the command ended before this process started
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    """The command's process, looked for every CHECK_EVERY seconds."""
    while _alive(parent):
        time.sleep(CHECK_EVERY)
    os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))  # no SIGKILL on Windows


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or its id now another user's
        return False
    return True
