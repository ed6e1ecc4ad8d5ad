"""Counting the article list without reading all of it."""

from __future__ import annotations

from typing import NamedTuple

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Below this many rows an exact count is cheap, and an estimate would show wrong small numbers.
ESTIMATE_ABOVE = 10_000


class SearchCount(NamedTuple):
    """A search's matches, counted so far: a common word matches most stories, and counting
    them all would read them all."""

    stories: QuerySet  # the matches; by their ids when no more than the limit match
    count: int  # how many match, at most the limit
    capped: bool  # whether more than the limit match


def counted_matches(matches: QuerySet, limit: int) -> SearchCount:
    """The search's matches counted up to ``limit``, in one query. When no more than that
    match, the list reads them by id, rather than walk every story in date order looking for
    them (a rare word would read the whole table twice)."""
    ids = list(matches.order_by().values_list("pk", flat=True)[: limit + 1])
    if len(ids) > limit:
        return SearchCount(matches, limit, True)
    return SearchCount(matches.filter(pk__in=ids), len(ids), False)


class EstimatedCountPaginator(Paginator):
    """A paginator that does not count the whole table when the list is unfiltered.

    PostgreSQL counts rows by reading them all; its planner keeps an estimate
    (``pg_class.reltuples``, refreshed by autovacuum) that is close enough to number the
    pages. Filtered lists, small tables and other databases are counted exactly. A search's
    list comes counted already (``searched``: :func:`counted_matches`), and ``capped`` tells
    that more match than it lists.
    """

    def __init__(self, *args, searched: SearchCount | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.searched = searched
        self.capped = bool(searched and searched.capped)

    @cached_property
    def count(self) -> int:
        if self.searched is not None:
            return self.searched.count
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where:
            estimate = estimated_rows(queryset)
            if estimate is not None and estimate > ESTIMATE_ABOVE:
                return estimate
        return super().count


def estimated_rows(queryset: QuerySet) -> int | None:
    """The planner's row estimate for the queryset's table on PostgreSQL, else None."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None
