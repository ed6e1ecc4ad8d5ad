"""Real databases for tests that run the project in subprocesses (manage.py, gunicorn).

The test database of the suite lives inside the pytest process (SQLite in memory, or a
PostgreSQL database Django created); a subprocess needs its own: a file for SQLite, a fresh
database on the same PostgreSQL server otherwise.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(ROOT / "manage.py")]
# The servers that tests needing PostgreSQL or Redis use, whatever the suite's own database
# and cache: this machine's, unless these say otherwise.
TEST_POSTGRES = os.environ.get("NEWSROOM_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432")
TEST_REDIS = os.environ.get("NEWSROOM_TEST_REDIS", "redis://127.0.0.1:6379/3")


def require(what: str, url: str) -> None:
    """Skip the test when the server at ``url`` does not answer (a laptop without it), but
    fail it under CI (NEWSROOM_REQUIRE_SERVICES=1), which has every server."""
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()
    except OSError:
        reason = f"{what} is not running at {parts.hostname}:{parts.port} (see README, Development)"
        if os.environ.get("NEWSROOM_REQUIRE_SERVICES"):
            pytest.fail(reason)
        pytest.skip(reason)


def require_redis() -> str:
    require("Redis", TEST_REDIS)
    return TEST_REDIS


def on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def postgres_server_url() -> str:
    """The PostgreSQL server the suite uses, or the tests' one (skipped when it is not there)."""
    if on_postgres():
        db = settings.DATABASES["default"]
        return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}"
    require("PostgreSQL", TEST_POSTGRES)
    return TEST_POSTGRES


@contextmanager
def postgres_database(label: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for the duration of the block; yields its URL."""
    name = f"newsroom_{label}_{uuid.uuid4().hex[:8]}"
    server = postgres_server_url()
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def subprocess_database(tmp_path: Path, label: str) -> Iterator[str]:
    """A migrated database of the suite's kind for subprocesses; yields its DATABASE_URL."""
    if on_postgres():
        with postgres_database(label) as url:
            migrate(url)
            yield url
    else:
        url = f"sqlite:///{tmp_path / f'{label}.sqlite3'}"
        migrate(url)
        yield url


def project_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(DATABASE_URL=database_url, **extra)
    return env


def migrate(database_url: str) -> None:
    subprocess.run(
        [*MANAGE, "migrate", "--verbosity", "0"],
        env=project_env(database_url),
        cwd=ROOT,
        check=True,
        timeout=120,
    )
