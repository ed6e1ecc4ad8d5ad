"""What a rendition process runs when it starts: it ends when the command that started it
does, even when that command is killed (``kill -9``, a cron timeout) and cannot stop it.

Without this, a killed command's pool processes (and the forkserver they came from) wait for
work forever. Imports nothing of Django: rendition processes start with Pillow only.
"""

from __future__ import annotations

import os
import signal
import threading
import time

CHECK_EVERY = 1.0  # seconds


def die_with(parent: int) -> None:
    """A pool initializer: watch ``parent`` (the command's process id) from a thread."""
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="watch-command").start()


def _watch(parent: int) -> None:
    while True:
        time.sleep(CHECK_EVERY)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os.kill(os.getpid(), signal.SIGKILL)
        except PermissionError:  # another user's process now holds that id: ours is gone
            os.kill(os.getpid(), signal.SIGKILL)
