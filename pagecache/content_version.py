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
(:meth:`pagecache.cache_backends.RedisCache.set_if_greater`), is written after every bump's
commit and by any request that finds it behind the database, and lives
``MIRROR_SECONDS``: a copy that is lost is read again from the database; one that missed a
bump (Redis unreachable at that moment) is at most that many seconds behind.

Some changes come by themselves: a story scheduled to appear or to expire. The row also keeps
the next such moment (``next_change_at``), asked of the domain at every bump through the hook
it registers (:func:`watch_next_change`; this module knows nothing of stories). The first
request after that moment moves the version on (:func:`current_state`), once, whichever
worker sees it first, and the cache's copy never lives past it, so no cached page or ETag
outlives it.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
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
    next_change_at: dt.datetime | None = None  # when what readers see changes by itself


class Lookup(NamedTuple):
    """A cache entry and the version it must carry to be current."""

    version: int | None  # None: unknown (the cache's copy was missing or the cache is down)
    entry: object | None
    state: ContentState | None  # the database's state, when it was read for this lookup


MIRROR_KEY = "content-version"
MIRROR_SECONDS = 5

# Before the first bump (or after a test truncated the table): version 0, changed at the epoch.
_NEVER = ContentState(0, dt.datetime(1970, 1, 1, tzinfo=dt.UTC))


NextChange = Callable[[dt.datetime], "dt.datetime | None"]


def _no_next_change(now: dt.datetime) -> dt.datetime | None:
    return None


_hooks: dict[str, NextChange] = {"next_change": _no_next_change}


def watch_next_change(hook: NextChange) -> None:
    """Register the function that tells, at a given time, the next moment after it when what
    readers see changes by itself (None: no such moment). The domain registers it when the
    app is ready."""
    _hooks["next_change"] = hook


def current_state(now: dt.datetime | None = None) -> ContentState:
    """:func:`content_state`, moved on first when its ``next_change_at`` has come: the page
    cache's keys and ETags then change at that moment, not at the next write."""
    state = content_state()
    if state.next_change_at is None:
        return state
    now = timezone.now() if now is None else now
    if now < state.next_change_at:
        return state
    # Only the request that sees the old version moves it on; the others read its result.
    ContentVersion.objects.filter(pk=ContentVersion.ROW_ID, version=state.version).update(
        version=F("version") + 1,
        changed_at=state.next_change_at,
        next_change_at=_hooks["next_change"](now),
    )
    return content_state()


def _aware(value: dt.datetime | str | None) -> dt.datetime | None:
    """A date as the driver hands it back, aware (SQLite's: text or naive, in UTC)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def content_state() -> ContentState:
    """The current version, when it last moved and when it will by itself, in one query.

    Every request that reads it from the database runs this, so it is plain SQL: building
    the same query through the ORM costs far more than SQLite takes to answer it
    (docs/PERFORMANCE.md).
    """
    with connection.cursor() as cursor:
        cursor.execute(_state_sql(connection.vendor), [ContentVersion.ROW_ID])
        row = cursor.fetchone()
    if row is None:
        return _NEVER
    version, changed_at, next_change_at = row
    return ContentState(version, _aware(changed_at), _aware(next_change_at))


@functools.cache
def _state_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT {quote('version')}, {quote('changed_at')}, {quote('next_change_at')} "
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
                hint="Use pagecache.cache_backends.RedisCache (set REDIS_URL), or turn it off.",
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
    state = current_state()
    return Lookup(state.version, cache.get(key), state)


def mirror(state: ContentState) -> None:
    """Bring the cache's copy of the version up to the state's (never back), to live no
    longer than MIRROR_SECONDS nor past the state's next scheduled change."""
    if not mirrored():
        return
    lifetime = MIRROR_SECONDS
    if state.next_change_at is not None:
        lifetime = min(lifetime, (state.next_change_at - timezone.now()).total_seconds())
    if lifetime > 0:
        cache.set_if_greater(MIRROR_KEY, state.version, lifetime)


def bump_content_version() -> None:
    """Move the version on now, in its own statement (an atomic increment, no lost updates),
    with the next moment what readers see changes by itself; and the cache's copy with it
    once that is committed."""
    row = ContentVersion.objects.filter(pk=ContentVersion.ROW_ID)
    with transaction.atomic():
        # The row locked first: two bumps racing each ask for the next change in turn, so an
        # older answer can never overwrite a newer one (SQLite's transactions are IMMEDIATE).
        if not row.select_for_update().exists():
            ContentVersion.objects.bulk_create(
                [ContentVersion(pk=ContentVersion.ROW_ID, version=0)], ignore_conflicts=True
            )
        now = timezone.now()
        row.update(
            version=F("version") + 1, changed_at=now, next_change_at=_hooks["next_change"](now)
        )
    if mirrored():
        transaction.on_commit(_mirror_committed)


def _mirror_committed() -> None:
    """A cache that cannot be reached must not fail the write that was just committed: the
    copy then expires within MIRROR_SECONDS, or the next page rendered brings it forward."""
    try:
        mirror(content_state())
    except Exception:
        logger.warning("could not copy the content version to the cache", exc_info=True)


def bump_after_commit() -> None:
    """Bump once the current transaction commits (at once outside a transaction).

    After, not inside: a reader that saw the old version can only have read the old rows, and
    a bump inside the transaction would hold the version row's lock until commit, queueing
    every other writer behind it.
    """
    transaction.on_commit(bump_content_version)
