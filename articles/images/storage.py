"""The files of each story's stored lead image (:class:`.models.StoredImage`) and the row's
writes: a fetch stored, unchanged or failed (with its back-off), an editor's upload, removal
or return to the source's image.

Files are written before the row that names them (:func:`store`): a crash between the two
leaves unnamed files, never a row naming a file that is missing or half-written. Names are
content hashes, so a file is never overwritten with other content and may be cached forever.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from .models import StoredImage
from .renditions import Manifest, RenditionSet

# After the n-th failure in a row, the next try waits BACKOFF_START * 2**(n-1), at most this.
BACKOFF_START = dt.timedelta(hours=1)
BACKOFF_MAX = dt.timedelta(days=7)


def media_url(name: str) -> str:
    """The address of a stored file on this site (served by :mod:`.serving`), whatever the
    storage: readers never fetch from the storage itself."""
    return settings.MEDIA_URL + name


def store(renditions: RenditionSet) -> dict[str, Any]:
    """Write every rendition's file and return the manifest to keep in
    :attr:`StoredImage.renditions`.

    A file already there with the same size is kept, but made new again (its modification
    time now): until the row names it, it may be one that no row names (an image that came
    back, A -> B -> A), and ``prune_images`` deletes only unnamed files that are old.
    """
    for item in renditions.renditions:
        if default_storage.exists(item.name):
            if default_storage.size(item.name) == len(item.data):
                _refresh(item.name, item.data)
                continue
            default_storage.delete(item.name)  # left half-written by a crash: write it again
        default_storage.save(item.name, ContentFile(item.data))
    return renditions.manifest()


def _refresh(name: str, data: bytes) -> None:
    """Make a stored file's modification time now: touched on disk; written again in object
    storage (the same name, the same bytes: it overwrites, ``file_overwrite``)."""
    try:
        path = default_storage.path(name)
    except NotImplementedError:
        default_storage.save(name, ContentFile(data))
        return
    os.utime(path)


def manifest_names(made: dict[str, Any] | None) -> set[str]:
    """Every storage name a manifest (:attr:`StoredImage.renditions`) uses."""
    manifest = Manifest.of(made)
    return manifest.names() if manifest else set()


def files_exist(names: Iterable[str]) -> bool:
    """Whether every one of these stored files is there."""
    return all(default_storage.exists(name) for name in names)


def save_fetched(
    article_id: int,
    renditions: RenditionSet,
    *,
    source_url: str,
    source_hash: str,
    etag: str = "",
    last_modified: str = "",
) -> None:
    """Store a fetched image's files, then the row naming them (an editor's choice made
    meanwhile wins)."""
    manifest = store(renditions)
    now = timezone.now()
    values = {
        "source_url": source_url,
        "source_hash": source_hash,
        "etag": etag[:1024],
        "last_modified": last_modified[:64],
        "width": renditions.width,
        "height": renditions.height,
        "renditions": manifest,
        "failure": "",
        "failures": 0,
        "retry_at": None,
        "checked_at": now,
        "stored_at": now,
    }
    _write_fetched(article_id, values)


def save_unchanged(article_id: int, *, etag: str = "", last_modified: str = "") -> None:
    """The source answered "not modified": note when it was asked (readers see nothing
    change: the content version stays)."""
    values: dict[str, Any] = {"checked_at": timezone.now(), "failure": "", "failures": 0}
    values["retry_at"] = None
    if etag:
        values["etag"] = etag[:1024]
    if last_modified:
        values["last_modified"] = last_modified[:64]
    StoredImage.bookkeeping.filter(article_id=article_id, origin=StoredImage.Origin.FETCHED).update(
        **values
    )


def save_failure(article_id: int, source_url: str, reason: str) -> None:
    """Keep why the fetch failed and when to try again (later after each failure in a row);
    renditions stored before from the same address stay. The content version moves on only
    when readers lose an image (stored from an address the story no longer has)."""
    with transaction.atomic():
        row = StoredImage.bookkeeping.select_for_update().filter(article_id=article_id).first()
        if row is None:
            StoredImage.bookkeeping.bulk_create(
                [StoredImage(article_id=article_id, source_url=source_url, **_failed(1, reason))]
            )
            return
        if row.origin != StoredImage.Origin.FETCHED:
            return
        if row.source_url == source_url:
            values = _failed(row.failures + 1, reason)
        else:
            values = {"source_url": source_url, "renditions": {}, "width": None, "height": None}
            values.update(etag="", last_modified="", **_failed(1, reason))
        manager = StoredImage.objects if "renditions" in values and row.renditions else None
        (manager or StoredImage.bookkeeping).filter(pk=row.pk).update(**values)


def _failed(failures: int, reason: str) -> dict[str, Any]:
    now = timezone.now()
    return {
        "failures": failures,
        "failure": reason[:300],
        "checked_at": now,
        "retry_at": now + backoff(failures),
    }


def backoff(failures: int) -> dt.timedelta:
    """How long to wait before trying again after this many failures in a row."""
    return min(BACKOFF_START * 2 ** min(max(failures - 1, 0), 20), BACKOFF_MAX)


def save_upload(article_id: int, renditions: RenditionSet) -> None:
    """An editor's replacement lead image: stored, and kept whatever the source does."""
    manifest = store(renditions)
    values = {
        "origin": StoredImage.Origin.UPLOAD,
        "source_url": "",
        "source_hash": "",
        "etag": "",
        "last_modified": "",
        "width": renditions.width,
        "height": renditions.height,
        "renditions": manifest,
        "failure": "",
        "failures": 0,
        "retry_at": None,
        "stored_at": timezone.now(),
    }
    StoredImage.objects.update_or_create(article_id=article_id, defaults=values)


def remove_image(article_id: int) -> None:
    """An editor's removal: the story shows its placeholder, and the fetcher leaves it so."""
    values = {"origin": StoredImage.Origin.REMOVED, "renditions": {}, "width": None}
    values.update(height=None, failure="", failures=0, retry_at=None)
    StoredImage.objects.update_or_create(article_id=article_id, defaults=values)


def restore_fetching(article_id: int) -> None:
    """Back to the source's image: the next fetch stores it again."""
    StoredImage.objects.filter(article_id=article_id).delete()


def _write_fetched(article_id: int, values: dict[str, Any]) -> None:
    with transaction.atomic():
        row, created = StoredImage.objects.select_for_update().get_or_create(
            article_id=article_id, defaults=values
        )
        if created or row.origin != StoredImage.Origin.FETCHED:
            return
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
