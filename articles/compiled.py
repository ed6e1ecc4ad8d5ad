"""Querysets translated to SQL once and run again, for the reader pages' hottest queries.

Django translates a queryset to SQL on every evaluation; for a reader page's story list that
translation cost twice as much as running the query (docs/PERFORMANCE.md). A
:class:`CompiledQuery` keeps the translation (the SQL, its parameters, and how to turn result
rows into Python values), and every :meth:`~CompiledQuery.rows` call reads the database
afresh: nothing of the data is kept.

A query can take ids as parameters: build the queryset with :func:`slot` values where the
ids go, and pass the ids to ``rows()``::

    query = CompiledQuery(Story.objects.filter(pk=slot(0)).values_list("title"), slots=1)
    query.rows(42)

Only ``values_list()`` querysets, which is what the reader pages read.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import NamedValuesListIterable
from django.db.models.utils import create_namedtuple_class

# Stand-ins for ids while a query is compiled: within every integer column's range (Django
# refuses a lookup beyond it), and no real id comes near them.
_SLOT_BASE = 2_147_400_000


def slot(number: int) -> int:
    """The stand-in for the ``number``-th id a compiled query takes."""
    return _SLOT_BASE + number


class CompiledQuery:
    """A ``values_list()`` queryset's SQL, ready to run any number of times."""

    def __init__(self, queryset: QuerySet, *, slots: int = 0) -> None:
        query = queryset.query
        if not query.values_select and not query.annotation_select:
            raise TypeError("CompiledQuery takes a values_list() queryset")
        self.using = queryset.db
        self._compiler = query.get_compiler(self.using)
        sql, params = self._compiler.as_sql()
        self.sql, self.params = sql, tuple(params)
        # Where each id goes among the parameters (an id may be used more than once).
        self._slots = [
            [i for i, p in enumerate(self.params) if type(p) is int and p == slot(n)]
            for n in range(slots)
        ]
        if not all(self._slots):
            raise ValueError(f"the queryset does not use slot(0) .. slot({slots - 1}): {sql}")
        names = queryset._fields or [
            *query.extra_select,
            *query.values_select,
            *query.annotation_select,
        ]
        # As values_list(named=True) makes them (NamedValuesListIterable).
        named = queryset._iterable_class is NamedValuesListIterable
        self._row = create_namedtuple_class(*names) if named else None

    def rows(self, *ids: int) -> list[Any]:
        """Run the query with these ids in its slots: its rows, as the queryset gives them."""
        if len(ids) != len(self._slots):
            raise TypeError(f"this query takes {len(self._slots)} ids, not {len(ids)}")
        params = list(self.params)
        for positions, value in zip(self._slots, ids, strict=True):
            for position in positions:
                params[position] = int(value)
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        compiler = self._compiler
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        values = compiler.results_iter(results=[rows], tuple_expected=True)
        if self._row is None:
            return list(values)
        new, row_class = tuple.__new__, self._row
        return [new(row_class, row) for row in values]
