"""Querysets translated to SQL once and run again, for the reader pages' hottest queries.

Django translates a queryset to SQL on every evaluation; for a reader page's story list the
translation costs more than running the query (docs/PERFORMANCE.md, "How the pages stay
cheap"). A :class:`CompiledQuery` keeps the translation (the SQL, its parameters, and how to
turn result rows into Python values), and every :meth:`~CompiledQuery.rows` call reads the
database afresh: nothing of the data is kept.

A query that takes values is built by a function of those values, named with their types::

    query = CompiledQuery(lambda pk: Story.objects.filter(pk=pk).values_list("title"), int)
    query.rows(42)

The function is called once, here, with stand-ins of those types that this module finds again
among the SQL's parameters; ``rows()`` puts the real values in their place. A value must be
compared as it is (``pk=``, ``slug=``, ``__in``, ``__lt`` on a ``DateTimeField``), not one that
a lookup transforms first (``__icontains``, ``__date``): such a use is refused when the query
is compiled. Only ``values_list()`` querysets, which is what the reader pages read.

It reaches below Django's public API (the queryset's SQL compiler and its row converters), for
the reason above, and is the only module that uses Django's ORM internals. What it buys,
measured (2026-12-07, ``bench/reader_bench.py``, 100,000 stories, gunicorn, uncached pages
against a hello-world in the same run): with it, home 0.26x, topic 0.17x, story 0.29x of the
hello-world's throughput (2.4 ms of server CPU a story page); with each query evaluated
through the public API instead (``list(build(*values))``), home 0.10x, topic 0.06x, story
0.12x (8.5 ms): below the 0.15x the reader pages must hold. So it stays. It was checked
against the Django versions in ``CHECKED_DJANGO``; ``tests/test_architecture.py`` fails,
saying so, under any other.
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

# The Django releases (major, minor) whose compiler internals this module was checked against.
CHECKED_DJANGO = ((5, 2),)

# The largest integer a database column holds (a signed 64-bit integer): the largest id.
MAX_INTEGER = 2**63 - 1

# Stand-ins for values while a query is compiled: within every integer column's range (Django
# refuses a lookup beyond it). A compiled query's other parameters are constants of the code
# that built it, never a request's values, so a stand-in cannot be mistaken for one.
_INT_BASE = 2_147_400_000
_TIME_BASE = dt.datetime(1901, 2, 3, 4, 5, 6, tzinfo=dt.UTC)

Kind = type[int] | type[str] | type[dt.datetime]


class CompiledQuery:
    """The SQL of a ``values_list()`` queryset built by ``build``, ready to run any number of
    times with new values for ``build``'s parameters, whose types ``kinds`` gives in order:
    ``int`` (an id), ``str`` or ``datetime`` (aware, compared with a ``DateTimeField``)."""

    def __init__(self, build: Callable[..., QuerySet], *kinds: Kind) -> None:
        queryset = build(*(_stand_in(kind, n) for n, kind in enumerate(kinds)))
        if queryset._iterable_class not in (ValuesListIterable, NamedValuesListIterable):
            raise TypeError("CompiledQuery takes a values_list() queryset (not flat)")
        query = queryset.query
        self.using = queryset.db
        ops = connections[self.using].ops
        self._compiler = query.get_compiler(self.using)
        sql, params = self._compiler.as_sql()
        self.sql, self.params = sql, tuple(params)
        # Each value: how it is made a parameter, and where it goes (maybe more than once).
        self._slots: list[tuple[Callable[[Any], Any], list[int]]] = []
        for n, kind in enumerate(kinds):
            stand_in, prepare = _stand_in(kind, n), _PREPARE[kind]
            if kind is dt.datetime:
                stand_in, prepare = ops.adapt_datetimefield_value(stand_in), partial(prepare, ops)
            found = [i for i, p in enumerate(self.params) if _same(p, stand_in)]
            if not found:
                raise ValueError(f"the query does not compare value {n} as it is: {sql}")
            self._slots.append((prepare, found))
        names = queryset._fields or [
            *query.extra_select,
            *query.values_select,
            *query.annotation_select,
        ]
        # As values_list(named=True) makes them (NamedValuesListIterable).
        named = queryset._iterable_class is NamedValuesListIterable
        self._row = create_namedtuple_class(*names) if named else None

    def rows(self, *values: Any) -> list[Any]:
        """Run the query with these values: its rows, as the queryset gives them."""
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


def _stand_in(kind: Kind, number: int) -> Any:
    """The value that stands for the ``number``-th value of a query while it is compiled."""
    if kind is int:
        return _INT_BASE + number
    if kind is str:
        return f"\x00stand-in {number}\x00"
    if kind is dt.datetime:
        return _TIME_BASE + dt.timedelta(microseconds=number)
    raise TypeError(f"a compiled query takes ids (int), str or datetime values, not {kind!r}")


def _same(param: Any, stand_in: Any) -> bool:
    return type(param) is type(stand_in) and param == stand_in


def _id(value: Any) -> int:
    if type(value) is not int:
        raise TypeError(f"this value is an id, not {value!r:.40}")
    if not -MAX_INTEGER - 1 <= value <= MAX_INTEGER:
        raise ValueError(f"not a database integer: {value}")
    return value


def _text(value: Any) -> str:
    if type(value) is not str:
        raise TypeError(f"this value is a string, not {value!r:.40}")
    return value


def _time(ops: Any, value: Any) -> Any:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise TypeError(f"this value is an aware datetime, not {value!r:.40}")
    return ops.adapt_datetimefield_value(value)


_PREPARE: dict[Kind, Callable[..., Any]] = {int: _id, str: _text, dt.datetime: _time}
