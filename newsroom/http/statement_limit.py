"""No database statement of a web request runs longer than ``REQUEST_STATEMENT_TIMEOUT``.

A defence in depth: the admin's lists accept only their own filters
(:mod:`articles.desk.lookups`), but should any page still find a statement that takes the
database seconds, it must not hold a worker (and, on SQLite, the Python interpreter) until
gunicorn's 30-second timeout while ``/healthz`` goes unanswered. So each statement a request
runs, its rows' reading included, is stopped once it has run this long, and the request is
answered 503 with one line in the log. Management commands (an import, a migration building an
index) are not requests and have no such limit.

- **PostgreSQL**: the server's own ``statement_timeout``, set on the request's connection
  before its first statement: once per connection (``SET``), or for the transaction when
  that first statement runs inside one (``SET LOCAL``, which ends with it).
- **SQLite**: a progress handler on the connection (the sqlite3 module's public API), called
  every few thousand virtual-machine steps, interrupts the statement once its time is up. It
  is installed for the request and removed after it.

Set ``DJANGO_REQUEST_STATEMENT_TIMEOUT`` (seconds; 0 turns the limit off).
"""

from __future__ import annotations

import contextlib
import logging
import time
import weakref
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from psycopg.pq import TransactionStatus

logger = logging.getLogger(__name__)

# SQLite calls the progress handler every this many virtual-machine instructions (a fraction
# of a millisecond of work), so a statement overruns its limit by no more than that, and a
# page's few queries call it a handful of times.
SQLITE_STEPS = 50_000
# PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout (query_canceled).
QUERY_CANCELED = "57014"
TOO_LONG = "This page took too long to prepare. Please try again in a moment.\n"
# The PostgreSQL connections whose session has the limit already.
_LIMITED_SESSIONS: weakref.WeakSet[Any] = weakref.WeakSet()


class _RequestLimit:
    """The execute wrapper of one request: sets each statement's limit before it runs."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = 0.0
        self.fired = False
        self.sqlite: list[Any] = []  # the raw connections given a progress handler
        self.local: tuple[Any, Any, Any] | None = None  # (wrapper, connection, block): SET LOCAL

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: dict):
        wrapper = context["connection"]
        if wrapper.vendor == "sqlite":
            self._sqlite(wrapper.connection)
        elif wrapper.vendor == "postgresql":
            self._postgresql(wrapper)
        return execute(sql, params, many, context)

    def _sqlite(self, raw: Any) -> None:
        self.deadline = time.monotonic() + self.seconds
        if not any(raw is known for known in self.sqlite):
            raw.set_progress_handler(self._progress, SQLITE_STEPS)
            self.sqlite.append(raw)

    def _progress(self) -> int:
        if time.monotonic() > self.deadline:
            self.fired = True
            return 1  # SQLite stops the statement: OperationalError("interrupted")
        return 0

    def _postgresql(self, wrapper: Any) -> None:
        raw = wrapper.connection
        if raw in _LIMITED_SESSIONS:
            return
        milliseconds = max(1, round(self.seconds * 1000))
        if not wrapper.in_atomic_block:
            with raw.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {milliseconds}")
            _LIMITED_SESSIONS.add(raw)
            return
        # Inside a transaction a SET would be undone by its rollback: set it for the
        # transaction instead (until its innermost atomic block changes). A transaction that
        # failed takes nothing but its rollback.
        if raw.info.transaction_status == TransactionStatus.INERROR:
            return
        block = wrapper.atomic_blocks[-1]
        if self.local is None or self.local[1] is not raw or self.local[2] is not block:
            with raw.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {milliseconds}")
            self.local = (wrapper, raw, block)

    def end(self) -> None:
        """The request is over: what runs next on these connections has no limit."""
        for raw in self.sqlite:
            with contextlib.suppress(Exception):  # a connection closed during the request
                raw.set_progress_handler(None, 0)
        if self.local is not None:
            # A transaction that outlives the request (a test's): back to the session's value.
            wrapper, raw, block = self.local
            if (
                wrapper.connection is raw
                and block in wrapper.atomic_blocks
                and raw.info.transaction_status != TransactionStatus.INERROR
            ):
                with contextlib.suppress(Exception), raw.cursor() as cursor:
                    cursor.execute("SET LOCAL statement_timeout = DEFAULT")


def stopped_by_limit(error: BaseException, limit: _RequestLimit) -> bool:
    """Whether this database error is a statement the limit stopped."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    return limit.fired or getattr(getattr(cause, "diag", None), "sqlstate", "") == QUERY_CANCELED


class StatementTimeLimitMiddleware:
    """Outermost but for HEAD's: every statement of the request runs under the limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        seconds = settings.REQUEST_STATEMENT_TIMEOUT
        if not seconds:
            return self.get_response(request)
        limit = request.statement_limit = _RequestLimit(seconds)
        try:
            with connection.execute_wrapper(limit):
                return self.get_response(request)
        finally:
            limit.end()

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        limit = getattr(request, "statement_limit", None)
        if limit is None or not stopped_by_limit(exception, limit):
            return None
        logger.warning(
            "%s %s: a database statement ran over %ss and was stopped (503)",
            request.method,
            request.get_full_path()[:200],
            limit.seconds,
        )
        response = HttpResponse(TOO_LONG, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "5"
        response["Cache-Control"] = "no-store"
        return response
