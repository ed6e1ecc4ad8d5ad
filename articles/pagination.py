"""Keyset pagination for story lists: "older" and "newer" links carry a (date, id) cursor.

A page deep in the list costs what the first page costs: the query starts from the cursor in
the (-published_at, -id) index instead of counting and skipping the rows before it, and no
request ever counts the whole list.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from .models import Article

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)
_CURSOR = re.compile(r"(-?\d{1,20})_(\d{1,19})")


@dataclass(frozen=True)
class Cursor:
    """A position in a newest-first list: the (date, id) of one story."""

    published_at: dt.datetime
    pk: int

    @classmethod
    def of(cls, article: Article) -> Cursor:
        return cls(article.published_at, article.pk)

    @classmethod
    def parse(cls, raw: str) -> Cursor:
        """The cursor written by ``str()``; ValueError when ``raw`` is not one."""
        match = _CURSOR.fullmatch(raw)
        if not match:
            raise ValueError(f"not a cursor: {raw!r}")
        try:
            when = EPOCH + int(match[1]) * MICROSECOND
        except OverflowError as error:
            raise ValueError(f"not a cursor: {raw!r}") from error
        return cls(when, int(match[2]))

    def __str__(self) -> str:
        # Whole microseconds since the epoch: exact, short, and safe in a query string.
        return f"{(self.published_at - EPOCH) // MICROSECOND}_{self.pk}"


@dataclass(frozen=True)
class KeysetPage:
    articles: list[Article]
    older: Cursor | None  # the cursor of the next page down, when there is one
    newer: Cursor | None  # the cursor of the page above, unless this is the first page


def keyset_page(
    queryset: QuerySet[Article],
    size: int,
    *,
    before: Cursor | None = None,
    after: Cursor | None = None,
) -> KeysetPage:
    """One page of ``queryset`` newest first: the ``size`` stories just older than ``before``
    (or just newer than ``after``; the first page when neither is given).

    Runs one query for the rows (plus the queryset's prefetches), whatever the depth.
    """
    if after is not None:
        # Walk up from the cursor, then turn the rows back to newest first.
        rows = list(
            queryset.filter(published_at__gte=after.published_at)
            .filter(Q(published_at__gt=after.published_at) | Q(pk__gt=after.pk))
            .order_by("published_at", "pk")[: size + 1]
        )
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        return KeysetPage(
            articles=rows,
            older=Cursor.of(rows[-1]) if rows else None,
            newer=Cursor.of(rows[0]) if rows and more_newer else None,
        )
    if before is not None:
        # The bare upper bound on the date lets the index range scan start at the cursor.
        queryset = queryset.filter(published_at__lte=before.published_at).filter(
            Q(published_at__lt=before.published_at) | Q(pk__lt=before.pk)
        )
    rows = list(queryset.order_by("-published_at", "-pk")[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        articles=rows,
        older=Cursor.of(rows[-1]) if rows and more_older else None,
        newer=Cursor.of(rows[0]) if rows and before is not None else None,
    )
