"""Stored files no story names any more: renditions of an image that changed or was replaced,
or files a crash left between writing them and the row that would have named them.

A file is deleted only when no :class:`~articles.images.models.StoredImage` names it and it is older
than ``grace`` (a run writing files right now names them a moment later). Files are shared
between stories with the same image (their names are content hashes), so only the names in
every row count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.utils import timezone

from .models import StoredImage
from .renditions import FOLDER
from .storage import manifest_names


@dataclass
class PruneSummary:
    kept: int = 0
    deleted: int = 0
    recent: int = 0  # unnamed, but younger than the grace period

    def __str__(self) -> str:
        return f"{self.deleted} deleted, {self.kept} kept, {self.recent} too recent to judge"


def named_files() -> set[str]:
    """Every storage name a stored image's renditions use."""
    names: set[str] = set()
    for (made,) in StoredImage.objects.values_list("renditions").iterator(chunk_size=2000):
        names |= manifest_names(made)
    return names


def stored_files() -> Iterator[str]:
    """Every file under the images folder (folders of two hex digits, then the files)."""
    for folder in _listdir(FOLDER)[0]:
        for name in _listdir(f"{FOLDER}/{folder}")[1]:
            yield f"{FOLDER}/{folder}/{name}"


def _listdir(path: str) -> tuple[list[str], list[str]]:
    try:
        return default_storage.listdir(path)
    except FileNotFoundError:
        return [], []


def prune(grace: dt.timedelta, *, dry_run: bool = False) -> PruneSummary:
    """Delete the old files no row names. A fetch may store an image meanwhile, reusing old
    files no row named (an image that came back): it makes them new first, then writes the
    row naming them (:func:`articles.images.storage.store`). So the names are read again once the
    listing is done, and each file's age just before it is deleted."""
    named, summary = named_files(), PruneSummary()
    cutoff = timezone.now() - grace
    candidates = []
    for name in stored_files():
        if name in named:
            summary.kept += 1
        elif _modified(name) > cutoff:
            summary.recent += 1
        else:
            candidates.append(name)
    named = named_files()
    for name in candidates:
        if name in named:
            summary.kept += 1
        elif _modified(name) > cutoff:
            summary.recent += 1
        else:
            summary.deleted += 1
            if not dry_run:
                default_storage.delete(name)
    return summary


def _modified(name: str) -> dt.datetime:
    try:
        return default_storage.get_modified_time(name)
    except FileNotFoundError:  # gone meanwhile (another prune)
        return timezone.now()
