"""Counting the article list without reading all of it."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Below this many rows an exact count is cheap, and an estimate would show wrong small numbers.
ESTIMATE_ABOVE = 10_000


class EstimatedCountPaginator(Paginator):
    """A paginator that does not count the whole table when the list is unfiltered.

    PostgreSQL counts rows by reading them all; its planner keeps an estimate
    (``pg_class.reltuples``, refreshed by autovacuum) that is close enough to number the
    pages. Filtered lists, small tables and other databases are counted exactly.

    With ``count_limit`` (the admin sets it for searches), a filtered list is counted only up
    to that many rows, and ``capped`` tells that there are more: a common word matches most
    stories, and counting them all would read them all. Below the limit, the matching ids
    found while counting select the rows of the page.
    """

    def __init__(self, *args, count_limit: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_limit = count_limit
        self.capped = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        if not queryset.query.where:
            estimate = estimated_rows(queryset)
            if estimate is not None and estimate > ESTIMATE_ABOVE:
                return estimate
        elif self.count_limit is not None:
            ids = list(queryset.order_by().values_list("pk", flat=True)[: self.count_limit + 1])
            self.capped = len(ids) > self.count_limit
            if not self.capped:
                # Few matches: list them by id, rather than walk every story in date order
                # looking for them (a rare word would read the whole table twice).
                self.object_list = queryset.filter(pk__in=ids)
            return min(len(ids), self.count_limit)
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
