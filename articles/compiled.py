"""Querysets translated to SQL once and run again, for the reader pages' hottest queries.

Django translates a queryset to SQL on every evaluation; for a reader page's story list that
translation cost twice as much as running the query (docs/PERFORMANCE.md). A
:class:`CompiledQuery` keeps the translation (the SQL, its parameters, and how to turn result
rows into Python values), and every :meth:`~CompiledQuery.rows` call reads the database
afresh: nothing of the data is kept.

A query can take ids, names and times as parameters: build the queryset with :func:`slot`,
:func:`text_slot` or :func:`time_slot` values where they go, and pass the values to
``rows()``::

    query = CompiledQuery(Story.objects.filter(pk=slot(0)).values_list("title"), slots=1)
    query.rows(42)

A slot stands for a value compared as it is (``pk=``, ``slug=``, ``__in``, ``__lt`` on a
``DateTimeField``), not one that a lookup transforms first (``__icontains``, ``__date``).

Only ``values_list()`` querysets, which is what the reader pages read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import NamedValuesListIterable, ValuesListIterable
from django.db.models.utils import create_namedtuple_class

# The largest integer a database column holds (a signed 64-bit integer): the largest id.
MAX_INTEGER = 2**63 - 1

# Stand-ins for values while a query is compiled: within every integer column's range (Django
# refuses a lookup beyond it). A compiled query's other parameters are constants of the code
# that built it, never a request's values, so a stand-in cannot be mistaken for one.
_SLOT_BASE = 2_147_400_000
_TIME_BASE = dt.datetime(1901, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


def slot(number: int) -> int:
    """The stand-in for the ``number``-th parameter of a compiled query, an id."""
    return _SLOT_BASE + number


def text_slot(number: int) -> str:
    """The stand-in for the ``number``-th parameter of a compiled query, a string."""
    return f"\x00slot {number}\x00"


def time_slot(number: int) -> dt.datetime:
    """The stand-in for the ``number``-th parameter of a compiled query, an aware datetime
    compared with a ``DateTimeField``."""
    return _TIME_BASE + dt.timedelta(microseconds=number)


class CompiledQuery:
    """A ``values_list()`` queryset's SQL, ready to run any number of times."""

    def __init__(self, queryset: QuerySet, *, slots: int = 0) -> None:
        query = queryset.query
        if queryset._iterable_class not in (ValuesListIterable, NamedValuesListIterable):
            raise TypeError("CompiledQuery takes a values_list() queryset (not flat)")
        self.using = queryset.db
        ops = connections[self.using].ops
        self._compiler = query.get_compiler(self.using)
        sql, params = self._compiler.as_sql()
        self.sql, self.params = sql, tuple(params)
        # Each slot: how a value is made a parameter, and where it goes (maybe more than once).
        self._slots: list[tuple[Callable[[Any], Any], list[int]]] = []
        for n in range(slots):
            for stand_in, prepare in (
                (slot(n), _id),
                (text_slot(n), _text),
                (ops.adapt_datetimefield_value(time_slot(n)), partial(_time, ops)),
            ):
                found = [i for i, p in enumerate(self.params) if _same(p, stand_in)]
                if found:
                    self._slots.append((prepare, found))
                    break
            else:
                raise ValueError(f"the queryset does not use slot {n} of {slots}: {sql}")
        names = queryset._fields or [
            *query.extra_select,
            *query.values_select,
            *query.annotation_select,
        ]
        # As values_list(named=True) makes them (NamedValuesListIterable).
        named = queryset._iterable_class is NamedValuesListIterable
        self._row = create_namedtuple_class(*names) if named else None

    def rows(self, *values: Any) -> list[Any]:
        """Run the query with these values in its slots: its rows, as the queryset gives them."""
        if len(values) != len(self._slots):
            raise TypeError(f"this query takes {len(self._slots)} values, not {len(values)}")
        params = list(self.params)
        for (prepare, positions), value in zip(self._slots, values, strict=True):
            prepared = prepare(value)
            for position in positions:
                params[position] = prepared
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        # The compiler is only read here, by any thread: its converters take settings from
        # the connection it was made with, never that connection's state.
        compiler = self._compiler
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        values = compiler.results_iter(results=[rows], tuple_expected=True)
        if self._row is None:
            return list(values)
        new, row_class = tuple.__new__, self._row
        return [new(row_class, row) for row in values]


def _same(param: Any, stand_in: Any) -> bool:
    return type(param) is type(stand_in) and param == stand_in


def _id(value: Any) -> int:
    if type(value) is not int:
        raise TypeError(f"this slot takes an id, not {value!r:.40}")
    if not -MAX_INTEGER - 1 <= value <= MAX_INTEGER:
        raise ValueError(f"not a database integer: {value}")
    return value


def _text(value: Any) -> str:
    if type(value) is not str:
        raise TypeError(f"this slot takes a string, not {value!r:.40}")
    return value


def _time(ops: Any, value: Any) -> Any:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise TypeError(f"this slot takes an aware datetime, not {value!r:.40}")
    return ops.adapt_datetimefield_value(value)
