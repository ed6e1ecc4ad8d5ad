"""The content version: one number that every write readers could see moves on.

Public pages are cached under the current version (see :mod:`.middleware`); a publish,
an unpublish, an edit or an import bumps it after its transaction commits, so every server and
every worker stops serving the old pages at once, without waiting for a timeout.

The version lives in the database (one row of :class:`.models.ContentVersion`): the
local-memory cache is private to one gunicorn worker, and a Redis that evicts or loses a key
would bring an old version, and the pages cached under it, back to life. The database is
shared by every worker and every server and never forgets.

Where the cache is shared by every server (Redis, ``settings.CONTENT_VERSION_IN_CACHE``), the
cache also holds a copy of the version, so that a cache hit needs one round trip to Redis
(the copy and the page together) and none to the database. The copy only ever moves forward
(:meth:`serving.cache_backends.RedisCache.set_if_greater`), is written after every bump's
commit and by any request that finds it behind the database, and lives
``MIRROR_SECONDS``: a copy that is lost is read again from the database; one that missed a
bump (Redis unreachable at that moment) is at most that many seconds behind.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import Any, NamedTuple

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import ContentVersion

logger = logging.getLogger(__name__)


class ContentState(NamedTuple):
    version: int
    changed_at: dt.datetime


class Lookup(NamedTuple):
    """A cache entry and the version it must carry to be current."""

    version: int | None  # None: unknown (the cache's copy was missing or the cache is down)
    entry: object | None
    state: ContentState | None  # the database's state, when it was read for this lookup


MIRROR_KEY = "content-version"
MIRROR_SECONDS = 5

# Before the first bump (or after a test truncated the table): version 0, changed at the epoch.
_NEVER = ContentState(0, dt.datetime(1970, 1, 1, tzinfo=dt.UTC))


def content_state() -> ContentState:
    """The current version and when it last moved, in one query.

    Every public request runs this, cache hits included, so it is plain SQL: building the
    same query through the ORM costs far more than SQLite takes to answer it
    (docs/PERFORMANCE.md).
    """
    with connection.cursor() as cursor:
        cursor.execute(_state_sql(connection.vendor), [ContentVersion.ROW_ID])
        row = cursor.fetchone()
    if row is None:
        return _NEVER
    version, changed_at = row
    if isinstance(changed_at, str):  # SQLite hands back the stored text
        changed_at = dt.datetime.fromisoformat(changed_at).replace(tzinfo=dt.UTC)
    return ContentState(version, changed_at)


@functools.cache
def _state_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT {quote('version')}, {quote('changed_at')} "
        f"FROM {quote(ContentVersion._meta.db_table)} WHERE {quote('id')} = %s"
    )


def content_version() -> int:
    return content_state().version


def mirrored() -> bool:
    """Whether the cache keeps a copy of the version (a cache every server shares)."""
    return settings.CONTENT_VERSION_IN_CACHE


def check_mirror(**kwargs: Any) -> list[checks.CheckMessage]:
    """A copy of the version needs a cache that can move it only forward."""
    if mirrored() and not hasattr(cache, "set_if_greater"):
        return [
            checks.Error(
                "CONTENT_VERSION_IN_CACHE is on, but the default cache cannot keep the copy.",
                hint="Use serving.cache_backends.RedisCache (set REDIS_URL), or turn it off.",
                id="serving.E001",
            )
        ]
    return []


def lookup(key: str) -> Lookup:
    """The cache entry under ``key`` and the current version: one round trip to a shared
    cache while its copy of the version is there; the database and the cache otherwise.
    Raises what the cache raises when it is down."""
    if mirrored():
        found = cache.get_many([MIRROR_KEY, key])
        return Lookup(found.get(MIRROR_KEY), found.get(key), None)
    state = content_state()
    return Lookup(state.version, cache.get(key), state)


def mirror(version: int) -> None:
    """Bring the cache's copy of the version up to ``version`` (never back)."""
    if mirrored():
        cache.set_if_greater(MIRROR_KEY, version, MIRROR_SECONDS)


def bump_content_version() -> None:
    """Move the version on now, in its own statement (an atomic increment, no lost updates),
    and the cache's copy with it once that is committed."""
    values = {"version": F("version") + 1, "changed_at": timezone.now()}
    if not ContentVersion.objects.filter(pk=ContentVersion.ROW_ID).update(**values):
        ContentVersion.objects.bulk_create(
            [ContentVersion(pk=ContentVersion.ROW_ID, version=0)], ignore_conflicts=True
        )
        ContentVersion.objects.filter(pk=ContentVersion.ROW_ID).update(**values)
    if mirrored():
        transaction.on_commit(_mirror_committed)


def _mirror_committed() -> None:
    """A cache that cannot be reached must not fail the write that was just committed: the
    copy then expires within MIRROR_SECONDS, or the next page rendered brings it forward."""
    try:
        mirror(content_state().version)
    except Exception:
        logger.warning("could not copy the content version to the cache", exc_info=True)


def bump_after_commit() -> None:
    """Bump once the current transaction commits (at once outside a transaction).

    After, not inside: a reader that saw the old version can only have read the old rows, and
    a bump inside the transaction would hold the version row's lock until commit, queueing
    every other writer behind it.
    """
    transaction.on_commit(bump_content_version)
