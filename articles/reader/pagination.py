"""Keyset pagination for story lists: "older" and "newer" links carry a (date, id) cursor.

A page deep in the list costs what the first page costs: the query starts from the cursor in
the (-published_at, -id) index instead of counting and skipping the rows before it, and no
request ever counts the whole list.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import Q, QuerySet, Subquery

from .compiled import MAX_INTEGER

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)


class Dated(Protocol):
    """A story, or a row of one: what a cursor is taken from."""

    published_at: dt.datetime
    pk: int


_CURSOR = re.compile(r"(-?[0-9]{1,20})_([0-9]{1,19})")  # ASCII digits: one spelling a cursor


@dataclass(frozen=True)
class Cursor:
    """A position in a newest-first list: the (date, id) of one story."""

    published_at: dt.datetime
    pk: int

    @classmethod
    def of(cls, article: Dated) -> Cursor:
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
        pk = int(match[2])
        if pk > MAX_INTEGER:  # beyond any database id
            raise ValueError(f"not a cursor: {raw!r}")
        return cls(when, pk)

    def __str__(self) -> str:
        # Whole microseconds since the epoch: exact, short, and safe in a query string.
        return f"{(self.published_at - EPOCH) // MICROSECOND}_{self.pk}"


@dataclass(frozen=True)
class KeysetPage:
    articles: list[Any]  # rows of the page's load query, newest first
    older: Cursor | None  # the cursor of the next page down, when there is one
    newer: Cursor | None  # the cursor of the page above, unless this is the first page


def keyset_query(
    queryset: QuerySet,
    size: int,
    *,
    before: Cursor | None = None,
    after: Cursor | None = None,
    load: QuerySet,
    keys: tuple[str, str] = ("published_at", "pk"),
) -> QuerySet:
    """The query of one page of ``queryset`` newest first: the ``size`` stories just older
    than ``before`` (or just newer than ``after``; the first page when neither is given), and
    one more to tell whether there are more. Pass its rows to :func:`keyset_result`.

    The page's story ids are picked from ``queryset`` (the filter alone), whose rows carry a
    story's date and id under the names ``keys`` (stories themselves, or a topic's rows),
    then the stories are read with ``load`` (the columns and joins a page shows): one query
    whatever the depth, and the joins run for the page's rows only, not for every row a
    topic's sort has to look at.
    """
    date, story = keys
    if after is not None:
        order = (date, story)
        queryset = queryset.filter(**{f"{date}__gte": after.published_at}).filter(
            Q(**{f"{date}__gt": after.published_at}) | Q(**{f"{story}__gt": after.pk})
        )
    else:
        order = (f"-{date}", f"-{story}")
        if before is not None:
            # The bare upper bound on the date lets the index range scan start at the cursor.
            queryset = queryset.filter(**{f"{date}__lte": before.published_at}).filter(
                Q(**{f"{date}__lt": before.published_at}) | Q(**{f"{story}__lt": before.pk})
            )
    ids = queryset.order_by(*order).values(story)[: size + 1]
    rows_order = ("-published_at", "-pk") if after is None else ("published_at", "pk")
    return load.filter(pk__in=Subquery(ids)).order_by(*rows_order)


def keyset_result(
    rows: list[Any], size: int, *, before: Cursor | None = None, after: Cursor | None = None
) -> KeysetPage:
    """The page that the rows of :func:`keyset_query` make, with its cursors."""
    more = len(rows) > size
    rows = rows[:size]
    if after is not None:
        rows.reverse()  # walked up from the cursor: back to newest first
        return KeysetPage(
            articles=rows,
            older=Cursor.of(rows[-1]) if rows else None,
            newer=Cursor.of(rows[0]) if rows and more else None,
        )
    return KeysetPage(
        articles=rows,
        older=Cursor.of(rows[-1]) if rows and more else None,
        newer=Cursor.of(rows[0]) if rows and before is not None else None,
    )
