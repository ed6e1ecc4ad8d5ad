"""The content version: one number that every write readers could see moves on.

Public pages are cached under the current version; a publish, an unpublish, an edit or an
import bumps it after its transaction commits, so every server and every worker stops
serving the old pages at once, without waiting for a timeout.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "newsroom:content-version"


def content_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return int(version)


def bump_content_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet (or evicted): any new value invalidates
        cache.add(VERSION_KEY, 2, timeout=None)


def bump_after_commit() -> None:
    """Bump once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(bump_content_version)
