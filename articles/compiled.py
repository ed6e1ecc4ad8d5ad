"""Querysets translated to SQL once and run again, for the reader pages' hottest queries.

Django translates a queryset to SQL on every evaluation; for a reader page's story list that
translation cost twice as much as running the query (docs/PERFORMANCE.md). A
:class:`CompiledQuery` keeps the translation (the SQL, its parameters, and how to turn result
rows into Python values), and every :meth:`~CompiledQuery.rows` call reads the database
afresh: nothing of the data is kept.

Only ``values_list()`` querysets, which is what the reader pages read.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import NamedValuesListIterable
from django.db.models.utils import create_namedtuple_class


class CompiledQuery:
    """A ``values_list()`` queryset's SQL, ready to run any number of times."""

    def __init__(self, queryset: QuerySet) -> None:
        query = queryset.query
        if not query.values_select and not query.annotation_select:
            raise TypeError("CompiledQuery takes a values_list() queryset")
        self.using = queryset.db
        self._compiler = query.get_compiler(self.using)
        self.sql, self.params = self._compiler.as_sql()
        names = queryset._fields or [
            *query.extra_select,
            *query.values_select,
            *query.annotation_select,
        ]
        # As values_list(named=True) makes them (NamedValuesListIterable).
        named = queryset._iterable_class is NamedValuesListIterable
        self._row = create_namedtuple_class(*names) if named else None

    def rows(self) -> list[Any]:
        """Run the query: its rows, as the queryset itself would give them."""
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.sql, self.params)
            rows = cursor.fetchall()
        compiler = self._compiler
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        values = compiler.results_iter(results=[rows], tuple_expected=True)
        if self._row is None:
            return list(values)
        new, row_class = tuple.__new__, self._row
        return [new(row_class, row) for row in values]
