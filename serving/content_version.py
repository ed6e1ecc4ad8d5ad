"""The content version: one number that every write readers could see moves on.

Public pages are cached under the current version (see :mod:`.middleware`); a publish,
an unpublish, an edit or an import bumps it after its transaction commits, so every server and
every worker stops serving the old pages at once, without waiting for a timeout.

The version lives in the database (one row of :class:`.models.ContentVersion`), not in
the cache: the local-memory cache is private to one gunicorn worker, and a Redis that evicts
or loses the key would bring an old version, and the pages cached under it, back to life. The
database is shared by every worker and every server and never forgets; reading the row is one
primary-key lookup per public request.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import ContentVersion


class ContentState(NamedTuple):
    version: int
    changed_at: dt.datetime


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


def bump_content_version() -> None:
    """Move the version on now, in its own statement (an atomic increment, no lost updates)."""
    values = {"version": F("version") + 1, "changed_at": timezone.now()}
    if not ContentVersion.objects.filter(pk=ContentVersion.ROW_ID).update(**values):
        ContentVersion.objects.bulk_create(
            [ContentVersion(pk=ContentVersion.ROW_ID, version=0)], ignore_conflicts=True
        )
        ContentVersion.objects.filter(pk=ContentVersion.ROW_ID).update(**values)


def bump_after_commit() -> None:
    """Bump once the current transaction commits (at once outside a transaction).

    After, not inside: a reader that saw the old version can only have read the old rows, and
    a bump inside the transaction would hold the version row's lock until commit, queueing
    every other writer behind it.
    """
    transaction.on_commit(bump_content_version)
