"""The content version: one number that every write readers could see moves on.

Public pages are cached under the current version (see :mod:`serving.middleware`); a publish,
an unpublish, an edit or an import bumps it after its transaction commits, so every server and
every worker stops serving the old pages at once, without waiting for a timeout.

The version lives in the database (one row of :class:`serving.models.ContentVersion`), not in
the cache: the local-memory cache is private to one gunicorn worker, and a Redis that evicts
or loses the key would bring an old version, and the pages cached under it, back to life. The
database is shared by every worker and every server and never forgets; reading the row is one
primary-key lookup per public request.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from serving.models import ContentVersion


class ContentState(NamedTuple):
    version: int
    changed_at: dt.datetime


# Before the first bump (or after a test truncated the table): version 0, changed at the epoch.
_NEVER = ContentState(0, dt.datetime(1970, 1, 1, tzinfo=dt.UTC))


def content_state() -> ContentState:
    """The current version and when it last moved, in one query."""
    row = (
        ContentVersion.objects.filter(pk=ContentVersion.ROW_ID)
        .values_list("version", "changed_at")
        .first()
    )
    return ContentState(*row) if row else _NEVER


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
