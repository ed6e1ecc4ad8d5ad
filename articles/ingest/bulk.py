"""Bulk SQL for the importer: many rows into a table, many rows updated, rows looked up by
key, in a fixed number of statements and without the ORM's per-object and per-value work.

The rows hold database values: text, numbers, booleans and None, with dates and JSON already
encoded by :func:`time_encoder` and :func:`encode_json`. The importer encodes them in its
parser processes, where the work costs the writing process nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


def insert_rows(model: type[Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write many rows straight to the table: COPY on PostgreSQL, executemany on SQLite.

    ``bulk_create`` spends more time building and preparing model instances than the
    database spends writing them (docs/PERFORMANCE.md); on PostgreSQL, Django's client-side
    parameter binding costs as much again. Constraints still apply: they live in the
    database.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    rows = list(rows)
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg's COPY, through Django's cursor; its errors raised as Django's
            # (IntegrityError et al.), as the cursor's own methods raise them.
            with (
                connection.wrap_database_errors,
                cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def update_rows(model: type[Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Set the columns ``names`` of many rows, each row's values followed by its primary key:
    one statement run for every row (``bulk_update`` builds a CASE per column instead, and
    prepares every value through its model field)."""
    rows = list(rows)
    if not rows:
        return
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(model._meta.get_field(n).column)} = %s" for n in names)
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {assignments} "
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def select_in(
    model: type[Model], key: str, values: Collection[str], *columns: str
) -> list[tuple[Any, ...]]:
    """``columns`` of the rows whose text ``key`` is one of ``values``, as tuples: one query,
    without the ORM preparing each of the batch's thousands of values one by one. The values
    come as the driver gives them (no model field conversion), fit to be written back."""
    if not values:
        return []
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    table, where = quote(model._meta.db_table), quote(model._meta.get_field(key).column)
    values = list(values)
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), _MAX_PARAMETERS):
            chunk = values[start : start + _MAX_PARAMETERS]
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT {names} FROM {table} WHERE {where} IN ({placeholders})", chunk)
            found.extend(cursor.fetchall())
    return found


# Parameters per statement: well below SQLite's limit (32,766) and PostgreSQL's (65,535).
_MAX_PARAMETERS = 10_000


def time_encoder(vendor: str) -> Callable[[dt.datetime], Any]:
    """How an aware datetime is written to a ``DateTimeField`` on the database ``vendor``
    (``connection.vendor``): as text, which costs less to send between processes than a
    datetime and needs no per-value work in the driver."""
    if vendor == "sqlite":  # what Django's SQLite backend stores: naive UTC, str() form
        return lambda value: str(value.astimezone(dt.UTC).replace(tzinfo=None))
    if vendor == "postgresql":  # ISO 8601 with its offset: timestamptz input in any DateStyle
        return lambda value: str(value.astimezone(dt.UTC))
    return lambda value: value  # another backend: its driver adapts datetimes itself


def encode_json(value: Any) -> str:
    """A ``JSONField`` value as the database receives it (Django's own encoding)."""
    return "{}" if value == {} else json.dumps(value)  # most are empty: skip the call
