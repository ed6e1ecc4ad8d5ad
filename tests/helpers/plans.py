"""Query plans, for tests that assert which index a query uses."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet


def plan(queryset: QuerySet) -> str:
    """The database's plan for the queryset, one line: SQLite's EXPLAIN QUERY PLAN details or
    PostgreSQL's EXPLAIN lines, joined with " | "."""
    sql, params = queryset.query.sql_with_params()
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(explain + sql, params)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())
