"""Which stories' lead images a run fetches, and how (:func:`due_jobs`).

- a story whose lead image was never stored, or whose lead image's address changed: fetched;
- a stored image checked more than ``recheck_after`` ago: asked again conditionally (its
  ETag, Last-Modified), so an unchanged image costs a request and no download;
- a failed one: tried again once its ``retry_at`` has passed (the back-off grows with each
  failure in a row, :func:`articles.images.storage.backoff`), else counted as waiting;
- an image an editor uploaded or removed: never touched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.db.models import F, FilteredRelation, Q

from articles.models import Article

from .models import StoredImage
from .storage import manifest_names

_WAITING = "waiting"
_RECENT = "recent"


@dataclass(frozen=True)
class Job:
    article_id: int
    title: str
    url: str
    etag: str = ""  # asked conditionally when we hold the image from this address
    last_modified: str = ""
    source_hash: str = ""
    files: tuple[str, ...] = ()  # the stored files of the copy we hold (checked when unchanged)

    @property
    def host(self) -> str:
        """Whom the per-host limit counts it against."""
        try:
            return urlsplit(self.url).hostname or ""
        except ValueError:
            return ""


@dataclass
class Plan:
    jobs: list[Job] = field(default_factory=list)
    waiting: int = 0  # failed before; their next try is later
    recent: int = 0  # checked within recheck_after


def due_jobs(now: dt.datetime, recheck_after: dt.timedelta, limit: int | None = None) -> Plan:
    """The plan for a run at ``now``: see the module docstring."""
    lead = FilteredRelation("images", condition=Q(images__position=0))
    rows = (
        Article.objects.annotate(lead=lead)
        .filter(Q(lead__url__istartswith="http://") | Q(lead__url__istartswith="https://"))
        .annotate(lead_url=F("lead__url"))
        .order_by("-published_at", "-pk")
        .values_list(
            "pk", "title", "lead_url", "stored_image__origin", "stored_image__source_url",
            "stored_image__etag", "stored_image__last_modified", "stored_image__source_hash",
            "stored_image__width", "stored_image__retry_at", "stored_image__checked_at",
            "stored_image__renditions", named=True,
        )
    )  # fmt: skip
    plan = Plan()
    for row in rows.iterator(chunk_size=2000):
        job = _job(row, now, recheck_after)
        if job == _WAITING:
            plan.waiting += 1
        elif job == _RECENT:
            plan.recent += 1
        elif job is not None:
            plan.jobs.append(job)
        if limit is not None and len(plan.jobs) >= limit:
            break
    return plan


def _job(row: Any, now: dt.datetime, recheck_after: dt.timedelta) -> Job | str | None:
    new = Job(row.pk, row.title, row.lead_url)
    if row.stored_image__origin is None:
        return new
    if row.stored_image__origin != StoredImage.Origin.FETCHED:
        return None  # an editor's choice
    if row.stored_image__source_url != row.lead_url:
        return new
    retry_at = row.stored_image__retry_at
    if retry_at is not None and retry_at > now:
        return _WAITING
    if row.stored_image__width is None:
        return new  # failed before, its time has come
    checked = row.stored_image__checked_at
    if retry_at is None and checked is not None and checked > now - recheck_after:
        return _RECENT  # (a failed recheck's time comes with its back-off, not recheck_after)
    return Job(
        row.pk,
        row.title,
        row.lead_url,
        row.stored_image__etag,
        row.stored_image__last_modified,
        row.stored_image__source_hash,
        tuple(sorted(manifest_names(row.stored_image__renditions))),
    )
