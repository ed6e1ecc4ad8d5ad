"""Real gunicorn servers for tests: started on a free port, waited for, always stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.databases import MANAGE, ROOT, project_env

GUNICORN = Path(sys.executable).parent / "gunicorn"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str


def fetch(url: str, headers: dict[str, str] | None = None) -> Answer:
    """One anonymous GET on a new connection, so successive calls meet different workers."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return Answer(response.status, dict(response.headers), response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read().decode())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def collect_static(static_root: Path) -> None:
    subprocess.run(
        [*MANAGE, "collectstatic", "--noinput", "--verbosity", "0"],
        env=project_env("sqlite:///unused.sqlite3", DJANGO_STATIC_ROOT=str(static_root)),
        cwd=ROOT,
        check=True,
        timeout=180,
    )


@contextmanager
def gunicorn(env: dict[str, str], log: Path, workers: int = 2) -> Iterator[str]:
    """Run ``gunicorn -c gunicorn.conf.py`` with ``env``; yields its base URL."""
    port = free_port()
    env = {**env, "PORT": str(port), "WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": "2"}
    with open(log, "w") as out:
        server = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "newsroom.wsgi"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
            try:
                if fetch(url + "/healthz").status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # the group this test started
            server.wait(timeout=10)


def run_manage(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*MANAGE, *args],
        env=project_env(database_url, **env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=180,
    )
