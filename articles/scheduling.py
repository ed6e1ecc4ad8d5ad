"""Scheduled publishing: when the schedule next changes what readers see.

The rule itself is ``Article.objects.published()``: a published story is public from its
``publish_at`` (if any) until its ``unpublish_at`` (if any). Nothing runs at those moments (no
cron job, no worker): the page cache asks :func:`next_change` at every content-version bump
and moves the version on by itself when that moment comes (:mod:`pagecache.content_version`),
so no cached page or ETag outlives it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Min, QuerySet

from .models import HEADLINE_FIELDS, Article


def next_change(now: dt.datetime) -> dt.datetime | None:
    """The first moment after ``now`` at which a published story appears or expires; None when
    no such moment is scheduled. Two index lookups (``article_publish_at``,
    ``article_unpublish_at``)."""
    stories = Article.objects.filter(published=True)
    moments = [
        stories.filter(**{f"{field}__gt": now}).aggregate(first=Min(field))["first"]
        for field in ("publish_at", "unpublish_at")
    ]
    return min((moment for moment in moments if moment is not None), default=None)


def hidden_from_readers(
    stories: QuerySet[Article] | Iterable[int], now: dt.datetime
) -> tuple[list[Article], list[Article]]:
    """The published ones among ``stories`` (a queryset or ids) that readers cannot see at
    ``now``, by the one rule (``published()``), in two lists: those still to appear (their
    ``publish_at`` to come, earliest first) and those that expired."""
    ids = stories.values("pk") if isinstance(stories, QuerySet) else list(stories)
    hidden = (
        Article.objects.filter(pk__in=ids, published=True)
        .exclude(pk__in=Article.objects.published(now).values("pk"))
        .only("pk", *HEADLINE_FIELDS, "publish_at", "unpublish_at")
        .order_by("publish_at", "pk")
    )
    scheduled: list[Article] = []
    expired: list[Article] = []
    for story in hidden:  # outside its schedule: not yet, or no longer
        (scheduled if story.publish_at and story.publish_at > now else expired).append(story)
    return scheduled, expired
